// The contract between the BullMQ processor (runner.ts) and one run of an
// operation (run.ts): what a run needs, what a job returns, and how long an
// operation waiting for its domain sleeps.
import type { BackoffPolicy } from '../../machines/backoff.ts';
import type { OperationOutput } from '../../machines/contract.ts';
import type { MachinePlan } from '../../machines/plan.ts';
import type { Registrar } from '../registrar/client.ts';
import type { Logger } from '../registrar/mask.ts';
import type { Outcome } from '../registrar/outcome.ts';
import type { Account } from './account.ts';
import type { Checkpointer } from './checkpointer.ts';
import type { GateView } from './gate-view.ts';
import { PARK_MS, type DomainLocks } from './domain-lock.ts';
import type { Keys } from './keys.ts';
import type { AccountDefaults } from './machine-input.ts';
import type { HistoryEntry, OpData } from './operation.ts';
import type { PolicyRefs } from './policy-refs.ts';
import type { EngineRedis } from './scripts.ts';
import type { SecretBox } from './secret-box.ts';

export interface RunnerDeps {
  readonly redis: EngineRedis;
  /** Checkpoints go through it: those of one moment share a round trip. */
  readonly checkpoints: Checkpointer;
  readonly keys: Keys;
  readonly account: Account;
  readonly domains: DomainLocks;
  /**
   * The account's gate as this process knows it (GateView): open lets an owner skip begin-run;
   * with its notices, a first run's first effect goes without a checkpoint (first-run.ts).
   */
  readonly gate: Pick<GateView, 'open' | 'shut' | 'listeningSince' | 'notices'>;
  readonly registrar: Registrar;
  readonly secrets: SecretBox;
  readonly policy: BackoffPolicy;
  /** Checkpoints refer to the policy instead of carrying it (see PolicyRefs). */
  readonly policies: PolicyRefs;
  readonly defaults: AccountDefaults;
  readonly logger: Logger;
  /** Aborted on shutdown: a job waiting for its rate slot is handed back at once. */
  readonly shutdown: AbortSignal;
  readonly onCommand?: (entry: HistoryEntry, outcome: Outcome) => void;
  readonly onFinal?: (data: OpData, output: OperationOutput) => void;
}

/**
 * The job's result when it succeeded; a failure ends the job as failed with the same JSON as
 * its reason. `h`: the history lines of the last run not yet in the history list (they are
 * written with BullMQ's completion, in the same step: the run saves a round trip).
 */
export type JobResult = Extract<OperationOutput, { status: 'succeeded' }> & { readonly h?: readonly HistoryEntry[] };

/**
 * Whether an operation's data is as submitted with its domain claimed then: what lets its first
 * run send the first effect before it writes anything (first-run.ts).
 */
export function asSubmitted(data: OpData): boolean {
  return data.o === 1 && data.snap === undefined && data.fl === undefined && data.rd === undefined;
}

/**
 * Whether an operation's first effect may have been sent with nothing written of it: `runs`
 * runs of it started before (BullMQ's attemptsStarted counts them as it hands a job to a
 * worker), and none wrote anything, while its first run may send the first effect without a
 * checkpoint (its machine can resume so: MachinePlan.firstEffectResume, checked by
 * the caller). Such an operation resumes where its machine says.
 */
export function firstEffectInDoubt(data: OpData, runs: number): boolean {
  return runs > 0 && asSubmitted(data);
}

/**
 * Whether a cancel must go through a run of the operation rather than end it at once: its
 * machine takes CANCEL where it stands (MachinePlan.takesCancel: the registrar may have acted,
 * or the cancel goes to the registrar), or a state-changing command was in flight when a worker
 * died (an in-flight marker, or `runs` runs started with nothing written: firstEffectInDoubt).
 * Such a run may send commands, so it claims the operation's domain first.
 */
export function cancelNeedsRun(plan: MachinePlan, data: OpData, runs: number): boolean {
  if (data.fl !== undefined) return true;
  // (Whether the machine could start at that effect is not asked: a run finds out.)
  if (firstEffectInDoubt(data, runs)) return true;
  const snap = data.snap as { value?: unknown } | undefined;
  // Not run since a redrive: it starts at the redriven step (a poll of a transfer still pending, a reconcile ...).
  return plan.takesCancel(snap ? snap.value : data.rd?.step);
}

/**
 * Thrown when the run's machine took a cancel and goes on (noted where the registrar may have
 * acted, or a transfer to cancel at the registrar), its snapshot written: the runner runs it
 * again from there (Run.execute), through the account's gate like any run.
 */
export class CancelTaken extends Error {
  override name = 'CancelTaken';
}

/** Thrown to stop a run without writing anything: another worker holds the job now. */
export class LostJobError extends Error {
  override name = 'LostJobError';
}

/**
 * How long an operation waiting for its domain sleeps before it looks again, when the owner does
 * not hand the domain on (it ended without knowing of the waiter): a quarter of the time it has
 * waited since it was submitted, between 250 ms and PARK_MS.
 */
export function parkDelay(waitedMs: number): number {
  return Math.min(PARK_MS, Math.max(250, Math.round(waitedMs / 4)));
}
