// Cancelling an operation, and ending one no worker holds. An operation is
// never called `cancelled` while the registrar may have acted on it: one with
// nothing in doubt ends at once (fail-queued, while its data is what the
// decision rested on); otherwise its run takes the cancel (the cancel flag, and
// the job woken): it ends as the registrar says, or cancels a pending transfer
// there first (see Run.cancelled and cancelNeedsRun).
import { Job, type Queue } from 'bullmq';
import { planFor } from '../../machines/index.ts';
import type { DomainLocks } from './domain-lock.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { announced } from './gate-view.ts';
import type { Keys } from './keys.ts';
import type { OpData, OperationView } from './operation.ts';
import { parseFailedReason, statusOf } from './operation-view.ts';
import { cancelNeedsRun, type JobResult } from './run-contract.ts';
import type { EngineRedis } from './scripts.ts';

/**
 * How long a cancel left to the operation's run waits for it (the run deletes the flag when it
 * takes it; a live operation runs within hours, even between polls; a redrive clears it).
 */
const CANCEL_FLAG_TTL_S = 30 * 86_400;
/** How often cancel decides again when a run moved the operation on while it looked. */
const CANCEL_TRIES = 5;
/** How often cancel looks at a running job (every 20 ms) to wake it once it has handed itself back. */
const WAKE_LOOKS = 10;

/**
 * Move a job that no worker holds to failed with this reason: 1 done, 0 a worker holds it (or
 * it ended), -1 its data is not `expected` any more ('' for any: nothing is compared).
 */
export function failQueued(redis: EngineRedis, k: Keys, id: string, reason: string, expected = '', expectedRuns = ''): Promise<number> {
  return redis.failQueued(k.job(id), k.bull('wait'), k.bull('paused'), k.bull('delayed'), k.bull('prioritized'), k.bull('failed'), k.bull('events'), id, reason, expected, expectedRuns);
}

export class Cancels {
  constructor(
    private readonly queue: Queue<OpData, JobResult>,
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
    private readonly domains: DomainLocks,
    private readonly get: (id: string) => Promise<OperationView | undefined>,
  ) {}

  /**
   * Cancel an operation that has not ended. A queued or waiting one ends at once; a running one
   * stops before its next command. Where the registrar may have acted (a command's outcome
   * unknown, a registration pending), its next run takes the cancel: it ends as the registrar
   * says, `cancelled` when nothing happened. A transfer that may be pending at the registrar
   * is cancelled there first (TransferDomain ACTION=CANCEL), and ends `cancelled`, or as the
   * transfer did if that was over already. Such a job runs now rather than when it was due.
   */
  async one(id: string): Promise<OperationView> {
    const k = this.keys;
    for (let tries = 1; ; tries++) {
      const job = await Job.fromId<OpData, JobResult>(this.queue, id);
      if (!job) throw new NotFoundError(`no operation ${id}`);
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') throw new ConflictError(`operation ${id} has already ended (${statusOf(state, parseFailedReason(job.failedReason)?.failure)})`);
      // The data the decision rests on, as stored: ended at once only while it is still that.
      const raw = await this.redis.hget(k.job(id), 'data');
      if (raw === null) throw new NotFoundError(`no operation ${id}`);
      const data = JSON.parse(raw) as OpData;
      // After a few runs in between, leave it to the run: the flag is right whatever it finds.
      let moved = 0;
      // The runs started so far: a first run may have sent its first effect before writing anything.
      const runs = job.attemptsStarted;
      if (tries <= CANCEL_TRIES && !cancelNeedsRun(planFor(data.t), data, runs)) {
        const step = (data.snap as { context?: { step?: string } } | undefined)?.context?.step ?? 'queued';
        const reason = JSON.stringify({ failure: { type: 'cancelled', code: 0, description: 'Cancelled by a user', step, scope: 'operation' } });
        moved = await failQueued(this.redis, k, id, reason, raw, String(runs));
        // -1: a run moved it on meanwhile (to where the registrar may have acted, perhaps): decide again.
        if (moved === -1) continue;
      }
      if (moved === 1) {
        await this.domains.release(data.d, id);
      } else {
        // A worker holds it, or its run must take the cancel: the flag tells the run, which comes now;
        // the notice tells a first run that has written nothing yet (see Notices).
        await announced(this.redis, k.noticeChannel, `c${id}`, (tx) => tx.set(k.cancel(id), '1', 'EX', CANCEL_FLAG_TTL_S));
        await this.wake(job);
      }
      return (await this.get(id)) as OperationView;
    }
  }

  /**
   * A delayed job runs now. One running may be about to hand itself back (its last checkpoint
   * passed before the cancel flag was set): it is looked at again briefly, and woken once delayed.
   */
  private async wake(job: Job<OpData, JobResult>): Promise<void> {
    for (let look = 0; look < WAKE_LOOKS; look++) {
      const state = await job.getState();
      if (state === 'delayed') {
        await job.promote().catch(() => undefined);
        return;
      }
      if (state !== 'active') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
