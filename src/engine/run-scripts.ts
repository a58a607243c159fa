// The run's scripts as calls: begin-run as a run starts (claim the domain, pass
// the account's gate), and how a run ends its job once the machine is done: the
// last history lines and, when operations wait for the domain, the domain handed
// on (finish-run); then the job's result, or its failure, which BullMQ writes as
// it ends the job; and a run that lost its domain giving it up.
import { UnrecoverableError, type Job } from 'bullmq';
import type { OperationOutput } from '../../machines/contract.ts';
import { withoutClaim, type HistoryEntry, type OpData } from './operation.ts';
import { LostJobError, type JobResult, type RunnerDeps } from './run-contract.ts';

/**
 * begin-run for an operation (see BEGIN_RUN): [status, ms, wake, waiting]. `claimFirst`: a
 * cancel may need commands, so the domain is claimed before the cancel is told.
 */
export function beginRun(
  deps: RunnerDeps,
  run: { readonly id: string; readonly domain: string; readonly token: string; readonly submittedAt: number },
  claimFirst: boolean,
): Promise<[number, number, string, number]> {
  const k = deps.keys;
  const { id, domain } = run;
  return deps.redis.beginRun(k.domainLock(domain), k.domainQueue(domain), k.jobLock(id), k.cancel(id), k.breaker, k.lockPause, id, deps.domains.jobPrefix, run.submittedAt, run.token, claimFirst ? '1' : '0', k.noticeChannel);
}

/** History entries as the lines the history list holds (JSON). */
export function asLines(entries: readonly HistoryEntry[]): string[] {
  return entries.map((e) => JSON.stringify(e));
}

/** Write the run's last history lines and give the domain to the next waiting operation (one script), which is woken. */
export async function handOnDomain(deps: RunnerDeps, run: { readonly id: string; readonly domain: string; readonly token: string }, lines: readonly HistoryEntry[]): Promise<void> {
  const k = deps.keys;
  const [status, wake] = await deps.redis.finishRun(
    k.job(run.id),
    k.jobLock(run.id),
    k.history(run.id),
    k.domainLock(run.domain),
    k.domainQueue(run.domain),
    run.token,
    '',
    deps.domains.jobPrefix,
    run.id,
    ...asLines(lines),
  );
  if (status !== 1) throw new LostJobError();
  await deps.domains.wake(wake);
}

/**
 * The job's end: its result when the operation succeeded; otherwise thrown, as BullMQ's
 * UnrecoverableError with the failure (JSON) as the job's failed reason. `tail`: history lines
 * not written yet, which go with either.
 */
export function jobEnd(output: OperationOutput, tail: readonly HistoryEntry[]): JobResult {
  if (output.status === 'succeeded') return tail.length > 0 ? { status: output.status, result: output.result, h: tail } : output;
  const reason = tail.length > 0 ? { failure: output.failure, redrive: output.redrive, h: tail } : { failure: output.failure, redrive: output.redrive };
  const error = new UnrecoverableError(JSON.stringify(reason));
  error.stack = '';
  throw error;
}

/**
 * A run that believed it owned its domain lost it: keep what it learnt that counts (its history
 * lines; a worker_lost line it made up, `synthesized`, is made up again next run while the
 * in-flight marker stands) and take the claim out of what Redis holds (`stored`: the data its last
 * checkpoint wrote, else the job's as found, with an in-flight marker for an effect that may have
 * gone unwritten), so that a later run claims the domain through begin-run.
 */
export async function giveUpDomain(deps: RunnerDeps, job: Job<OpData, JobResult>, stored: OpData, history: readonly HistoryEntry[], synthesized: HistoryEntry | undefined): Promise<void> {
  const lines = stored.fl ? history.filter((e) => e !== synthesized) : history;
  if (lines.length > 0) await deps.redis.rpush(deps.keys.history(job.id as string), ...asLines(lines));
  if (stored.o === 1 || stored !== job.data) await job.updateData(withoutClaim(stored));
}
