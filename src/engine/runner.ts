// Runs one operation's job: restore its machine, perform the commands it asks
// for, feed the replies back, and checkpoint before every command that changes
// registrar state, so a worker killed at any instant is resumed elsewhere
// without repeating an effect. Delays are BullMQ delayed jobs: no worker sleeps
// through a 4xx backoff or a transfer poll.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { createActor, type AnyActorRef, type Snapshot } from 'xstate';
import type { BackoffPolicy } from '../../machines/backoff.ts';
import type { Contacts, NextAction, OperationInput, OperationOutput, StepReply } from '../../machines/contract.ts';
import { machineFor, nextAction } from '../../machines/index.ts';
import { toStepReply } from '../../machines/step-reply.ts';
import { ABUSE_LOCK_CODE, ACCOUNT_LEVEL_CODES } from '../codes.ts';
import type { Registrar } from '../registrar/client.ts';
import type { Logger } from '../registrar/mask.ts';
import type { Outcome } from '../registrar/outcome.ts';
import { flattenCommand, maskCommand } from '../registrar/request.ts';
import type { Account } from './account.ts';
import { PARK_MS, type DomainLocks } from './domain-lock.ts';
import type { Keys } from './keys.ts';
import type { HistoryEntry, OpData } from './operation.ts';
import type { EngineRedis } from './scripts.ts';
import type { SecretBox } from './secret-box.ts';

export interface RunnerDeps {
  readonly redis: EngineRedis;
  readonly keys: Keys;
  readonly account: Account;
  readonly domains: DomainLocks;
  readonly registrar: Registrar;
  readonly secrets: SecretBox;
  readonly policy: BackoffPolicy;
  readonly defaults: { readonly contacts?: Contacts; readonly nameservers?: readonly string[] };
  readonly logger: Logger;
  /** Aborted on shutdown: a job waiting for its rate slot is handed back at once. */
  readonly shutdown: AbortSignal;
  readonly onCommand?: (entry: HistoryEntry, outcome: Outcome) => void;
  readonly onFinal?: (data: OpData, output: OperationOutput) => void;
}

/** The job's result when it succeeded; a failure ends the job as failed with this JSON as its reason. */
export type JobResult = Extract<OperationOutput, { status: 'succeeded' }>;

/** Thrown to stop a run without writing anything: another worker holds the job now. */
class LostJobError extends Error {
  override name = 'LostJobError';
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A job that would wait longer than this for the account's rate goes back to the queue instead. */
const BUSY_HAND_BACK_MS = 15_000;

const UNCERTAIN_WORKER_LOST: StepReply = {
  kind: 'uncertain',
  code: 421,
  reason: 'worker_lost',
  description: 'Outcome unknown: the worker stopped after the command may have been sent',
};

export class OperationRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /** The BullMQ processor. */
  async process(job: Job<OpData, JobResult>, token: string | undefined): Promise<JobResult> {
    if (!token) throw new Error('a job without a lock token cannot be run safely');
    const run = new Run(this.deps, job, token);
    try {
      return await run.execute();
    } catch (err) {
      if (err instanceof DelayedError || err instanceof UnrecoverableError) throw err;
      if (err instanceof LostJobError) throw new DelayedError('job lost to another worker');
      // An unexpected error (Redis blip, bug): hand the job back for later with its in-flight
      // marker intact, so the next run reconciles instead of repeating a command.
      this.deps.logger.error({ op: job.id, err: err instanceof Error ? err.message : String(err) }, 'operation run failed; retrying later');
      await job.moveToDelayed(Date.now() + 5_000, token).catch(() => undefined);
      throw new DelayedError('handed back after an error');
    }
  }
}

class Run {
  private readonly data: OpData;
  private readonly history: string[] = [];
  private actor!: AnyActorRef;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly job: Job<OpData, JobResult>,
    private readonly token: string,
  ) {
    this.data = { ...job.data };
  }

  private get id(): string {
    return this.job.id as string;
  }

  async execute(): Promise<JobResult> {
    const { domains } = this.deps;
    if (!(await domains.claim(this.data.d, this.id, this.job.timestamp))) {
      // Another operation owns the domain: wait for it to hand the domain over.
      await this.job.moveToDelayed(Date.now() + PARK_MS, this.token);
      throw new DelayedError('waiting for the domain');
    }
    this.restore();
    if (this.data.fl) {
      // The last run checkpointed before a state-changing command and never recorded its reply.
      this.history.push(this.entry(this.data.fl.command, this.data.fl.step, UNCERTAIN_WORKER_LOST, 0, {}));
      delete this.data.fl;
      this.actor.send({ type: 'REPLY', reply: UNCERTAIN_WORKER_LOST, now: Date.now(), random: Math.random() });
    }
    let action = nextAction(this.actor.getSnapshot());
    if (action.kind === 'wait') {
      if (this.data.w && this.data.w > Date.now() + 50) return this.handBack(this.data.w);
      this.actor.send({ type: 'RESUME', now: Date.now() });
      action = nextAction(this.actor.getSnapshot());
    }
    for (;;) {
      if (action.kind === 'final') return this.finish(action.output);
      if (action.kind === 'wait') return this.handBack(Date.now() + action.delayMs);
      await this.command(action);
      action = nextAction(this.actor.getSnapshot());
    }
  }

  private restore(): void {
    const machine = machineFor(this.data.t);
    if (this.data.snap) {
      // A persisted snapshot carries its context: no input is needed (the type insists on one).
      this.actor = createActor(machine, { snapshot: this.data.snap as Snapshot<unknown> } as never);
    } else {
      this.actor = createActor(machine, { input: this.input() });
    }
    this.actor.start();
  }

  private input(): OperationInput {
    const d = this.data;
    const base = { domain: d.d, policy: this.deps.policy, startedAt: Date.now(), ...(d.rd ? { redrive: d.rd } : {}) };
    switch (d.t) {
      case 'register':
        return {
          ...base,
          type: 'register',
          ...(d.p ? { period: d.p } : {}),
          nameservers: d.ns ?? [...(this.deps.defaults.nameservers ?? [])],
          ...this.contacts(),
          ...(d.k ? { checked: true } : {}),
        } as OperationInput;
      case 'renew':
        return { ...base, type: 'renew', ...(d.p ? { period: d.p } : {}), ...(d.x ? { expiration: d.x } : {}) };
      case 'transfer':
        return { ...base, type: 'transfer', ...(d.p ? { period: d.p } : {}), hasAuth: Boolean(d.s?.auth) };
      case 'delete':
        return { ...base, type: 'delete' };
    }
  }

  /** The operation's contact handles over the account's defaults; none when neither gives all four. */
  private contacts(): { contacts?: Contacts } {
    const merged = { ...this.deps.defaults.contacts, ...this.data.c };
    const { owner, admin, tech, billing } = merged;
    return owner && admin && tech && billing ? { contacts: { owner, admin, tech, billing } } : {};
  }

  private async command(action: Extract<NextAction, { kind: 'command' }>): Promise<void> {
    const { account, registrar } = this.deps;
    const handBackAfter = Date.now() + BUSY_HAND_BACK_MS;
    let taken: string;
    for (;;) {
      const slot = await account.reserve(this.id, this.token);
      if (slot.kind === 'go') {
        taken = slot.slot;
        break;
      }
      if (slot.kind === 'lost') throw new LostJobError();
      if (slot.kind === 'cancelled') {
        this.actor.send({ type: 'CANCEL', reason: 'cancelled by a user' });
        return;
      }
      if (slot.kind === 'locked') return this.handBack(Date.now() + slot.ms);
      if (slot.kind === 'breaker') {
        await account.park(this.id);
        return this.handBack(Date.now() + PARK_MS);
      }
      // The rate is used up for now: wait for the next free slot, but do not hold a worker for long.
      if (Date.now() + slot.ms > handBackAfter) return this.handBack(Date.now() + slot.ms);
      if (!(await sleep(slot.ms + Math.random() * 3, this.deps.shutdown))) return this.handBack(Date.now() + 1_000);
    }
    const params: Record<string, string | number | string[]> = { ...action.params };
    for (const [param, name] of Object.entries(action.secrets ?? {})) {
      const sealed = this.data.s?.[name];
      if (sealed !== undefined) params[param] = this.deps.secrets.open(sealed);
    }
    if (action.changesState) {
      this.data.fl = { step: action.step, command: action.command, at: Date.now() };
      await this.checkpoint();
    }
    const outcome = await registrar.call({ COMMAND: action.command, ...params });
    await account.settle(taken);
    const reply = toStepReply(outcome);
    const entry = this.entry(action.command, action.step, reply, outcome.ms, params);
    this.history.push(entry);
    this.deps.onCommand?.(JSON.parse(entry) as HistoryEntry, outcome);

    if (outcome.kind === 'reply' && ACCOUNT_LEVEL_CODES.has(outcome.code) && !this.isTransferAuthFailure(action.command, outcome.code)) {
      const opened = await account.openBreaker({ reason: outcome.type, code: outcome.code, operation: this.id });
      if (!opened) {
        // Another operation already stopped the account for the same cause: this one had no effect
        // and stays queued (the step runs again after `domainflow resume`).
        delete this.data.fl;
        await account.park(this.id);
        return this.handBack(Date.now() + PARK_MS);
      }
    }
    if (outcome.kind === 'reply' && outcome.code === ABUSE_LOCK_CODE) {
      await account.startLockPause(this.deps.policy.lockPauseMs);
    }
    delete this.data.fl;
    this.actor.send({ type: 'REPLY', reply, now: Date.now(), random: Math.random() });
  }

  private isTransferAuthFailure(command: string, code: number): boolean {
    return command === 'TransferDomain' && (code === 530 || code === 531);
  }

  private entry(command: string, step: string, reply: StepReply, ms: number, params: Record<string, unknown>): string {
    const snapshot = this.actor.getSnapshot() as { context?: { attempts?: Record<string, number> } };
    const entry: HistoryEntry = {
      command,
      step,
      code: reply.code,
      description: reply.description,
      ms: Math.round(ms),
      attempt: (snapshot.context?.attempts?.[step] ?? 0) + 1,
      at: new Date().toISOString(),
      params: maskCommand(flattenCommand(params as never)),
      ...(reply.kind === 'uncertain' ? { uncertain: reply.reason } : {}),
    };
    return JSON.stringify(entry);
  }

  /** Write the snapshot, the in-flight marker and the new history lines in one step. */
  private async checkpoint(): Promise<void> {
    this.data.snap = this.actor.getPersistedSnapshot();
    const k = this.deps.keys;
    const written = await this.deps.redis.checkpoint(k.job(this.id), k.jobLock(this.id), k.history(this.id), this.token, JSON.stringify(this.data), ...this.history);
    if (written !== 1) throw new LostJobError();
    this.history.length = 0;
  }

  /** Checkpoint and delay the job until `at`; the run ends here. */
  private async handBack(at: number): Promise<never> {
    this.data.w = at;
    await this.checkpoint();
    await this.job.moveToDelayed(Math.ceil(at), this.token);
    throw new DelayedError('waiting');
  }

  private async finish(output: OperationOutput): Promise<JobResult> {
    delete this.data.fl;
    delete this.data.w;
    await this.checkpoint();
    await this.deps.domains.release(this.data.d, this.id);
    this.deps.onFinal?.(this.data, output);
    if (output.status === 'succeeded') return output;
    const error = new UnrecoverableError(JSON.stringify({ failure: output.failure, redrive: output.redrive }));
    error.stack = '';
    throw error;
  }
}
