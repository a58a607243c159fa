// The first run's checkpoint. The engine writes a checkpoint (snapshot and
// in-flight marker) before a state-changing command, except an operation's
// first run's first effect: BullMQ counted the run (attemptsStarted) in the same
// step as it gave the worker the job's lock, so a later run that finds one
// started with nothing written knows the effect may have been sent, and resumes
// where the machine says (resumeAfterLostRun; a cancel likewise: cancelNeedsRun).
// That holds for an operation as submitted whose machine can resume so: the
// effect's parameters, and what a reconcile makes of it, need nothing the run
// read before it (MachinePlan.firstEffectResume). A round trip less per operation.
import type { Job } from 'bullmq';
import type { OperationInput } from '../../machines/contract.ts';
import type { MachinePlan, PlanSnapshot } from '../../machines/plan.ts';
import { FIRST_RUN_WITHIN_MS } from './lua/run.ts';
import type { InFlight, OpData } from './operation.ts';
import { asSubmitted, firstEffectInDoubt, type JobResult, type RunnerDeps } from './run-contract.ts';

/** Runs of the job that started before this one (BullMQ counts them as it hands the job to a worker). */
export function runsBefore(job: Job<OpData, JobResult>): number {
  return Math.max(0, (job.attemptsStarted ?? 1) - 1);
}

/**
 * Whether a first run that has written nothing yet may send `step`, its first effect, without a
 * checkpoint. What the checkpoint would check in Redis besides, the process knows well enough: the
 * domain is the operation's (claimed at submission, and run within FIRST_RUN_WITHIN_MS of its
 * job's timestamp: the job was there before the claim could be taken over, and no one takes a
 * domain from a live operation); the account's gate is open (the rate slot passed it in Redis
 * just now, or the gate view is fresh: a 422 or a breaker is announced); no cancel came (the
 * notice channel was heard all through the run).
 */
export function mayGoWithoutCheckpoint(job: Job<OpData, JobResult>, deps: Pick<RunnerDeps, 'account' | 'gate'>, plan: MachinePlan, input: OperationInput, step: string): boolean {
  if (job.attemptsStarted !== 1 || !asSubmitted(job.data)) return false;
  if ((job.processedOn ?? Infinity) - job.timestamp >= FIRST_RUN_WITHIN_MS || plan.firstEffectStep(input) !== step) return false;
  if (!deps.account.limited && !deps.gate.open()) return false;
  return deps.gate.listeningSince(job.processedOn ?? 0) && !deps.gate.notices.cancelled(job.id as string);
}

/**
 * Where a run resumes when an earlier one may have sent the first effect with nothing written
 * (runs started before it and nothing written since, or an in-flight marker without a snapshot,
 * left by a run that gave its domain up): the machine's resume point, and the effect as an
 * in-flight marker. `unknown`: the machine is at the effect, whose outcome the run makes unknown
 * (the marker goes in the run's data); otherwise at a step that reads what happened.
 */
export function resumeAfterLostRun(plan: MachinePlan, data: OpData, input: OperationInput, job: Job<OpData, JobResult>): { snapshot: PlanSnapshot; marker: InFlight; unknown: boolean } | undefined {
  if (data.fl === undefined && !firstEffectInDoubt(data, runsBefore(job))) return undefined;
  const resume = plan.firstEffectResume(input);
  if (!resume) return undefined;
  return { snapshot: resume.snapshot, marker: { step: resume.step, command: resume.command, at: job.processedOn ?? Date.now() }, unknown: resume.unknown };
}
