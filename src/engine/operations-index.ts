// The account's operations index: every operation by submission time (a sorted
// set, score = its job's timestamp), what lists page through (listing.ts).
//
// An operation is indexed just before its job is added, and its entry stamped
// with the job's own time after (BullMQ stamps a job as it adds it; passing the
// time in would store it in the job's options, which then outgrow Redis's
// compact hash encoding). An entry whose job does not exist (a submission that
// stopped in between, a job removed by hand) is dropped when a list meets it, or
// by the check every process makes once a minute, which also indexes jobs that
// have no entry (submitted before the index existed, or by a process of an older
// version since).
import type { Queue } from 'bullmq';
import type { Keys } from './keys.ts';
import type { OpData } from './operation.ts';
import type { JobResult } from './run-contract.ts';
import type { EngineRedis } from './scripts.ts';

/** Entries the pruning walk reads a script. */
const CHUNK = 2_000;
/** How often a process checks that the index holds every job, and only those. */
const CHECK_MS = 60_000;

export class OperationsIndex {
  private checking: Promise<void> | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly queue: Queue<OpData, JobResult>,
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
  ) {}

  /**
   * Add jobs (`add`) for operations with these ids, indexed: at the time now before the add,
   * then at each job's own time. An operation whose job exists already (an idempotency key
   * submitted again) keeps its place.
   */
  async adding<J extends { readonly id?: string | undefined; readonly timestamp: number }>(ids: readonly string[], add: () => Promise<J[]>): Promise<J[]> {
    const fresh = ids.length === 0 ? [] : await this.redis.indexOps(this.keys.operations, this.keys.jobPrefix, Date.now(), ...ids);
    const jobs = await add();
    const pairs = jobs.flatMap((job, i) => (fresh[i] === 1 && job.id ? [job.timestamp, job.id] : []));
    // not XX: a list that met the entry before its job existed has dropped it
    if (pairs.length > 0) await this.redis.zadd(this.keys.operations, ...pairs);
    return jobs;
  }

  /** Drop these entries if their jobs do not exist (a list met them). */
  async dropMissing(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.pruneIndex(this.keys.operations, this.keys.jobPrefix, 'ids', ...ids);
  }

  /**
   * The index holds every operation, and only those: checked once a minute a process, by counts.
   * More entries than jobs: the entries without a job are dropped. More jobs than entries: the
   * jobs without an entry are indexed by their time.
   */
  checked(): Promise<void> {
    if (Date.now() - this.checkedAt < CHECK_MS) return Promise.resolve();
    this.checking ??= this.reconcile().then(
      () => {
        this.checkedAt = Date.now();
        this.checking = undefined;
      },
      (err: unknown) => {
        this.checking = undefined;
        throw err;
      },
    );
    return this.checking;
  }

  private async reconcile(): Promise<void> {
    const k = this.keys;
    const counts = await this.queue.getJobCounts('waiting', 'paused', 'prioritized', 'waiting-children', 'active', 'delayed', 'completed', 'failed');
    const jobs = Object.values(counts).reduce((a, b) => a + b, 0);
    let entries = await this.redis.zcard(k.operations);
    // (As many entries as jobs is taken for all indexed: an entry without a job and a job without
    // an entry in equal numbers go unseen until a list meets the entry and drops it.)
    if (entries > jobs) {
      for (let first = 0; first < entries; first += CHUNK) first -= await this.redis.pruneIndex(k.operations, k.jobPrefix, 'range', first, first + CHUNK - 1);
      entries = await this.redis.zcard(k.operations);
    }
    if (jobs > entries) await this.scanJobs();
  }

  private async scanJobs(): Promise<void> {
    const k = this.keys;
    // Job hashes are `<jobPrefix><id>`; the queue's own keys and a job's sub-keys match the pattern too.
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(k.jobPrefix)}*`, 'COUNT', 1000);
      cursor = next;
      const candidates = keys.filter((key) => !key.slice(k.jobPrefix.length).includes(':'));
      if (candidates.length === 0) continue;
      const pipeline = this.redis.pipeline();
      for (const key of candidates) pipeline.hmget(key, 'timestamp', 'data', 'name');
      const replies = (await pipeline.exec()) ?? [];
      const entries: { id: string; at: number }[] = [];
      candidates.forEach((key, i) => {
        const [err, fields] = replies[i] ?? [];
        const [timestamp, data, name] = (err ? [] : (fields as (string | null)[])) ?? [];
        if (timestamp && data && name) entries.push({ id: key.slice(k.jobPrefix.length), at: Number(timestamp) });
      });
      if (entries.length > 0) await this.redis.zadd(k.operations, 'NX', ...entries.flatMap((e) => [e.at, e.id]));
    } while (cursor !== '0');
  }
}

/** A literal string as a SCAN pattern. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
