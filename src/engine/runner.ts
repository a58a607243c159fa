// The BullMQ processor of an account's queue: one run of the operation per job
// (run.ts), with what must not escape a run turned into a hand-back.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { OpData } from './operation.ts';
import { Run } from './run.ts';
import { CancelTaken, LostJobError, type JobResult, type RunnerDeps } from './run-contract.ts';

export { parkDelay, type JobResult, type RunnerDeps } from './run-contract.ts';

export class OperationRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /** The BullMQ processor. */
  async process(job: Job<OpData, JobResult>, token: string | undefined): Promise<JobResult> {
    if (!token) throw new Error('a job without a lock token cannot be run safely');
    const run = new Run(this.deps, job, token);
    let running = run.execute();
    for (;;) {
      try {
        return await running;
      } catch (err) {
        // The machine took a cancel and goes on (as often as a cancel comes), through the gate again.
        if (err instanceof CancelTaken) {
          running = run.execute();
          continue;
        }
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
}
