// Redriving failed operations from the step that failed: one (`retry ID`), or
// all of a failure type or a batch (`retry --reason`, `--batch`, POST /v1/retry).
import { Job, type Queue } from 'bullmq';
import { failureInfo } from '../../machines/failures.ts';
import { ConflictError, NotFoundError, UnknownValueError } from './errors.ts';
import type { Keys } from './keys.ts';
import type { ListFilter } from './listing.ts';
import type { OpData, OperationView } from './operation.ts';
import { parseFailedReason, statusOf } from './operation-view.ts';
import type { JobResult } from './runner.ts';
import type { EngineRedis } from './scripts.ts';

/** Redrives of many under way at once: each is a few round trips, one after another. */
const PARALLEL = 16;

/** retryMany stopped on an error after redriving `redriven` (the rest are still failed). */
export class RedriveInterruptedError extends Error {
  override name = 'RedriveInterruptedError';
  constructor(
    message: string,
    readonly redriven: readonly OperationView[],
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** What a redrive reads operations with (the store, and its listing for the ids). */
export interface OperationReader {
  get(id: string, withHistory: boolean): Promise<OperationView | undefined>;
  ids(filter: ListFilter & { status: 'failed' }): Promise<string[]>;
}

export class Redrives {
  constructor(
    private readonly queue: Queue<OpData, JobResult>,
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
    private readonly reader: OperationReader,
  ) {}

  /**
   * Redrive a failed (or cancelled) operation from the step that failed. What its next run starts
   * from is written only while it is still failed as it was read (see PREPARE_REDRIVE): a second
   * redrive of the same failure at the same moment gets a ConflictError, never a run's
   * checkpoints overwritten.
   */
  async one(id: string): Promise<OperationView> {
    const job = await Job.fromId<OpData, JobResult>(this.queue, id);
    if (!job) throw new NotFoundError(`no operation ${id}`);
    const state = await job.getState();
    if (state !== 'failed') throw new ConflictError(`operation ${id} has not failed (it is ${statusOf(state, undefined)})`);
    const reason = parseFailedReason(job.failedReason);
    // The next failure replaces the reason: the history lines it carries go to the list first.
    const lines = reason?.h ?? [];
    let stripped = '';
    if (reason && lines.length > 0) {
      const rest = { ...reason };
      delete rest.h;
      stripped = JSON.stringify(rest);
    }
    const data: OpData = { ...job.data };
    delete data.snap;
    delete data.o;
    delete data.fl;
    delete data.w;
    if (reason?.redrive && reason.failure.type !== 'cancelled') data.rd = reason.redrive;
    else delete data.rd;
    data.ra = Date.now();
    const k = this.keys;
    const finishedOn = job.finishedOn === undefined ? '' : String(job.finishedOn);
    const prepared = await this.redis.prepareRedrive(k.job(id), k.history(id), k.bull('failed'), k.cancel(id), id, job.failedReason ?? '', finishedOn, stripped, JSON.stringify(data), ...lines.map((e) => JSON.stringify(e)));
    if (prepared === -1) throw new NotFoundError(`no operation ${id}`);
    if (prepared !== 1) throw new ConflictError(`operation ${id} was redriven or changed meanwhile`);
    // Its batch has an operation under way again: forget the counts it kept as final, before the
    // move (should this process stop in between) and after it (a count taken before it is not
    // kept; see Batches.progress).
    await this.forgetBatchCounts(data.b);
    try {
      await job.retry('failed');
    } catch (err) {
      // Another redrive of the same failure moved it first.
      if ((await job.getState()) !== 'failed') throw new ConflictError(`operation ${id} was redriven meanwhile`);
      throw err;
    }
    await this.forgetBatchCounts(data.b);
    return (await this.reader.get(id, false)) as OperationView;
  }

  /** Whether operations outside `batch` failed with the type (with no batch: none did, as the caller found). */
  private async failedWith(type: string, batch: string | undefined): Promise<boolean> {
    return batch !== undefined && (await this.reader.ids({ status: 'failed', reason: type })).length > 0;
  }

  private async forgetBatchCounts(batch: string | undefined): Promise<void> {
    if (batch) await this.redis.multi().hincrby(this.keys.batch(batch), 'redrives', 1).hdel(this.keys.batch(batch), 'final').exec();
  }

  /**
   * Redrive every failed operation with this failure type, or of this batch, PARALLEL at a
   * time. One that is no longer failed when its turn comes (redriven by someone else meanwhile,
   * or removed) is left out; the others go on. Returns the operations redriven, in list order.
   */
  async many(filter: { reason?: string; batch?: string }): Promise<OperationView[]> {
    const failed = await this.reader.ids({ status: 'failed', ...(filter.reason ? { reason: filter.reason } : {}), ...(filter.batch ? { batch: filter.batch } : {}) });
    // A misspelt type would otherwise redrive nothing and say nothing: a type no catalogue lists is
    // only taken when operations failed with it (an error of the engine's own, say). Found out only
    // when nothing matched: a redrive that has work costs no extra read.
    if (failed.length === 0 && filter.reason !== undefined && !failureInfo(filter.reason) && !(await this.failedWith(filter.reason, filter.batch))) {
      throw new UnknownValueError(`no failure type ${JSON.stringify(filter.reason)}: no failed operation has it and the catalogue does not list it (the README and GET /v1/failures list the types)`, 'reason');
    }
    // Likewise a batch id that names no batch (a typo, or another system's).
    if (failed.length === 0 && filter.batch !== undefined && (await this.redis.exists(this.keys.batch(filter.batch))) === 0) {
      throw new UnknownValueError(`no batch ${JSON.stringify(filter.batch)}`, 'batch');
    }
    const out: (OperationView | undefined)[] = new Array(failed.length);
    let next = 0;
    let error: unknown;
    const lane = async () => {
      while (next < failed.length && error === undefined) {
        const i = next++;
        try {
          out[i] = await this.one(failed[i]!);
        } catch (err) {
          if (err instanceof ConflictError || err instanceof NotFoundError) continue;
          // Redis went away, say: the other lanes finish the redrive in hand and take no more.
          error ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, failed.length) }, lane));
    const redriven = out.filter((v): v is OperationView => v !== undefined);
    if (error !== undefined) {
      const cause = error instanceof Error ? error.message : String(error);
      throw new RedriveInterruptedError(`redrove ${redriven.length} of ${failed.length} failed operations, then stopped: ${cause}`, redriven, { cause: error });
    }
    return redriven;
  }
}
