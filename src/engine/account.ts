// The registrar account, as every worker of every host shares it: its command
// rate, its 422 cool-down, and its breaker (opened by account-level failures
// or by hand; while open, no operation of the account is dispatched).
import type { Queue } from 'bullmq';
import { ABUSE_LOCK_CODE, ACCOUNT_LEVEL_CODES } from '../codes.ts';
import type { Outcome } from '../registrar/outcome.ts';
import { announced } from './gate-view.ts';
import type { Keys } from './keys.ts';
import type { EngineRedis } from './scripts.ts';

export type SlotDecision =
  | { readonly kind: 'go'; readonly slot: string }
  | { readonly kind: 'locked'; readonly ms: number }
  | { readonly kind: 'breaker' }
  /** The account's rate is used up for `ms` more: ask again then. */
  | { readonly kind: 'busy'; readonly ms: number }
  | { readonly kind: 'lost' }
  | { readonly kind: 'cancelled' };

export interface BreakerState {
  readonly reason: string;
  readonly code?: number;
  readonly operation?: string;
  readonly at: string;
}

export interface AccountState {
  readonly account: string;
  readonly breaker: BreakerState | null;
  /** ms left of a 422 cool-down, 0 when none */
  readonly lockPauseMs: number;
}

export interface AccountOptions {
  /** Registrar commands per second for the whole account; 0 or Infinity for no limit. */
  readonly rateLimit: number;
  /** Added to the 1-second window so that jitter between us and the registrar cannot exceed its limit. */
  readonly rateMarginMs: number;
  /** The registrar request timeout: a command in flight longer than this (plus a second) is over. */
  readonly requestTimeoutMs?: number;
  /** The job lock's duration: a slot taken for a job renews its lock for that long. */
  readonly lockMs?: number;
}

let seq = 0;

export class Account {
  private readonly max: number;
  private readonly windowMs: number;

  constructor(
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
    private readonly queue: Queue,
    private readonly options: AccountOptions,
  ) {
    const r = options.rateLimit;
    // A window of (1 s + margin) holding `max` commands; a fractional rate (0.5/s) widens the window instead.
    if (!Number.isFinite(r) || r <= 0) {
      this.max = 0;
      this.windowMs = 1000;
    } else if (r >= 1) {
      this.max = Math.floor(r);
      this.windowMs = Math.ceil((1000 * Math.floor(r)) / r) + options.rateMarginMs;
    } else {
      this.max = 1;
      this.windowMs = Math.ceil(1000 / r) + options.rateMarginMs;
    }
  }

  /** Ask for the right to send one command now. */
  async reserve(jobId: string, token: string | undefined): Promise<SlotDecision> {
    const k = this.keys;
    const member = `${jobId}:${process.pid}:${++seq}`;
    const [status, ms] = await this.redis.reserveCommandSlot(
      k.rate,
      k.inFlight,
      k.lockPause,
      k.breaker,
      token === undefined ? '' : k.jobLock(jobId),
      k.cancel(jobId),
      k.pace,
      this.max,
      this.windowMs,
      member,
      (this.options.requestTimeoutMs ?? 30_000) + 1_000,
      token ?? '',
      this.options.lockMs ?? 30_000,
    );
    switch (status) {
      case 0:
        return { kind: 'go', slot: member };
      case 1:
        return { kind: 'locked', ms };
      case 2:
        return { kind: 'breaker' };
      case 3:
        return { kind: 'busy', ms };
      case 4:
        return { kind: 'lost' };
      default:
        return { kind: 'cancelled' };
    }
  }

  /** True when commands are counted (a rate limit is set): every command takes a slot. */
  get limited(): boolean {
    return this.max > 0;
  }

  /** The command of `slot` has its reply, or was given up on: it counts from now. */
  async settle(slot: string): Promise<void> {
    if (this.max === 0) return;
    await this.redis.settleCommandSlot(this.keys.rate, this.keys.inFlight, slot, this.windowMs);
  }

  /**
   * What a reply means for the account: a 422 pauses it for `lockPauseMs`; 530, 531, 535 and 546
   * open its breaker, unless the step takes the code as the operation's own (`operationCodes`: a
   * wrong auth code to a transfer's request). Undefined for a reply that means nothing to the
   * account (no promise: most replies), else what came of it: 'stopped already' when another
   * operation opened the breaker for it first.
   */
  heard(outcome: Outcome, operationCodes: readonly number[] | undefined, operation: string, lockPauseMs: number): Promise<'stopped already' | undefined> | undefined {
    if (outcome.kind !== 'reply') return undefined;
    if (ACCOUNT_LEVEL_CODES.has(outcome.code) && !operationCodes?.includes(outcome.code)) {
      return this.openBreaker({ reason: outcome.type, code: outcome.code, operation }).then((opened) => (opened ? undefined : 'stopped already'));
    }
    if (outcome.code === ABUSE_LOCK_CODE) return this.startLockPause(lockPauseMs).then(() => undefined);
    return undefined;
  }

  /** A 422: every worker stops sending for `ms`. */
  async startLockPause(ms: number): Promise<void> {
    await announced(this.redis, this.keys.gateChannel, '1', (tx) => tx.set(this.keys.lockPause, String(Date.now() + ms), 'PX', Math.max(1, Math.round(ms))));
  }

  /** Open the breaker unless it is open already; true when this call opened it. */
  async openBreaker(state: Omit<BreakerState, 'at'>): Promise<boolean> {
    const opened = await announced(this.redis, this.keys.gateChannel, '1', (tx) => tx.set(this.keys.breaker, JSON.stringify({ ...state, at: new Date().toISOString() }), 'NX'));
    // Stop fetching too (idempotent), so idle workers do not pick jobs up only to hand them back.
    await this.queue.pause();
    return opened === 'OK';
  }

  /** `domainflow pause`: stop dispatching by hand. */
  async pause(reason = 'paused by an operator'): Promise<void> {
    await announced(this.redis, this.keys.gateChannel, '1', (tx) => tx.set(this.keys.breaker, JSON.stringify({ reason, at: new Date().toISOString() })));
    await this.queue.pause();
  }

  /** A job stopped by the open breaker: resume wakes it rather than leaving it to its safety delay. */
  async park(jobId: string): Promise<void> {
    await this.redis.sadd(this.keys.parked, jobId);
  }

  /** `domainflow resume`: close the breaker and dispatch again. */
  async resume(): Promise<void> {
    await announced(this.redis, this.keys.gateChannel, '1', (tx) => tx.del(this.keys.breaker));
    await this.queue.resume();
    const parked = await this.redis.smembers(this.keys.parked);
    await this.redis.del(this.keys.parked);
    for (const id of parked) {
      const job = await this.queue.getJob(id);
      if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
    }
  }

  async state(): Promise<AccountState> {
    const [breaker, pttl] = await Promise.all([this.redis.get(this.keys.breaker), this.redis.pttl(this.keys.lockPause)]);
    let parsed: BreakerState | null = null;
    if (breaker) {
      try {
        parsed = JSON.parse(breaker) as BreakerState;
      } catch {
        parsed = { reason: 'breaker open', at: new Date(0).toISOString() };
      }
    }
    return { account: this.keys.account, breaker: parsed, lockPauseMs: Math.max(0, pttl) };
  }
}
