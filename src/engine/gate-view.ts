// A process's view of its account's gate (breaker, 422 cool-down), kept fresh by
// a Redis channel: whoever opens or closes the breaker or starts a cool-down
// publishes on it (Account), and every worker process re-reads the gate at once.
// An operation that owns its domain starts its run on this view instead of a
// round trip to Redis (begin-run); while the view is not known to be fresh (not
// subscribed yet, connection lost, a message being handled) it says "ask Redis".
// Effects stay behind the authoritative check: the checkpoint before a
// state-changing command passes the gate in Redis, except a first run's first
// effect, which a fresh view lets go (Run.firstRunCheckpoint). The same
// connection hears the account's notices (cancels, waiters: Notices).
import type { Redis } from 'ioredis';
import type { Logger } from '../registrar/mask.ts';
import type { Keys } from './keys.ts';
import { Notices } from './notices.ts';

export class GateView {
  private subscriber: Redis | undefined;
  /** Bumped by every message and reconnect: a read that started before one is stale. */
  private generation = 0;
  private fresh = false;
  private breaker = false;
  private pausedUntil = 0;
  /** Since when both channels have been subscribed without a break (undefined: not now). */
  private since: number | undefined;
  readonly notices = new Notices();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly connect: () => Redis,
    private readonly logger: Logger,
  ) {}

  /** True only when the view is fresh and the gate is open: a run may start without asking Redis. */
  open(now = Date.now()): boolean {
    return this.fresh && !this.breaker && now >= this.pausedUntil;
  }

  /**
   * What the view knows to keep the gate shut: 'breaker', the end of the 422 pause (ms), or
   * undefined (open, or not known: the view is not fresh).
   */
  shut(now = Date.now()): 'breaker' | number | undefined {
    if (!this.fresh) return undefined;
    if (this.breaker) return 'breaker';
    return now < this.pausedUntil ? this.pausedUntil : undefined;
  }

  /**
   * Whether this process has heard every notice published since `at` (ms): subscribed since
   * then without a break. A notice takes a moment to come, as a write does to reach Redis.
   */
  listeningSince(at: number): boolean {
    return this.since !== undefined && this.since <= at;
  }

  async start(): Promise<void> {
    if (this.subscriber) return;
    const sub = this.connect();
    this.subscriber = sub;
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.keys.noticeChannel) this.notices.heard(message);
      else void this.refresh();
    });
    // Anything may have changed while the connection was down: distrust the view until re-read.
    sub.on('close', () => {
      this.generation++;
      this.fresh = false;
      this.since = undefined;
    });
    // On a reconnect ioredis subscribes again only after 'ready': read the gate once a subscription
    // of ours is confirmed, so that no change falls between the read and the subscription.
    sub.on('ready', () => void this.resubscribe(sub));
    await this.subscribe(sub);
    await this.refresh();
  }

  private async subscribe(sub: Redis): Promise<void> {
    await sub.subscribe(this.keys.gateChannel, this.keys.noticeChannel);
    // From the confirmation on (not from the request: a message published in between is not heard).
    if (this.subscriber === sub && sub.status === 'ready') this.since ??= Date.now();
  }

  private async resubscribe(sub: Redis): Promise<void> {
    try {
      await this.subscribe(sub);
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not subscribe to the account gate; runs ask Redis');
      return;
    }
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    this.fresh = false;
    try {
      const [breaker, pttl] = await Promise.all([this.redis.exists(this.keys.breaker), this.redis.pttl(this.keys.lockPause)]);
      if (generation !== this.generation || this.subscriber?.status !== 'ready') return;
      this.breaker = breaker === 1;
      this.pausedUntil = pttl > 0 ? Date.now() + pttl : 0;
      this.fresh = true;
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read the account gate; runs ask Redis');
    }
  }

  async close(): Promise<void> {
    const sub = this.subscriber;
    this.subscriber = undefined;
    this.fresh = false;
    this.since = undefined;
    await sub?.quit().catch(() => undefined);
  }
}

/**
 * Tell every process's GateView that the gate changed (after the change is written). Never
 * throws: the change itself is written, and every effect passes the gate in Redis anyway.
 */
export async function announceGateChange(redis: Redis, keys: Keys): Promise<void> {
  await redis.publish(keys.gateChannel, '1').catch(() => undefined);
}
