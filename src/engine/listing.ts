// Listing operations: a page of the account's operations (oldest first) or of a
// batch's (in its own order), filtered by status, failure type or operation
// type; a batch's counts by status; failed operations by failure type.
//
// The account's operations are indexed by submission time (operations-index.ts),
// and the statuses are read in Redis, from
// BullMQ's sets (lua/listing.ts). A page therefore reads the operations on it;
// a filtered page reads the BullMQ sets of its status when they are small, else
// walks the index in Redis until it is full; counts are counted in Redis.
// Before, every list, progress line and dashboard poll read every job of the
// account (a 20,000-operation batch took 3.6 s a progress line, now 60 ms).
import { Job, type Queue } from 'bullmq';
import type { Keys } from './keys.ts';
import { OP_STATUS_NAMES } from './lua/listing.ts';
import type { OperationType } from '../../machines/contract.ts';
import type { OpData, OperationView, OpStatus } from './operation.ts';
import { operationView } from './operation-view.ts';
import type { OperationsIndex } from './operations-index.ts';
import type { JobResult } from './run-contract.ts';
import type { EngineRedis, StatusKeys } from './scripts.ts';

/** At most this many operations a list reply (GET /v1/operations, `domainflow list`); more are read in pages. */
export const LIST_MAX = 100_000;

export interface ListFilter {
  readonly status?: OpStatus;
  /** operation type */
  readonly type?: OperationType;
  /** failure type (implies status failed, or cancelled) */
  readonly reason?: string;
  readonly batch?: string;
  readonly offset?: number;
  readonly limit?: number;
}

/** Operations a script reads at a time: a few milliseconds of Redis each. */
const CHUNK = 2_000;

/** A state BullMQ would report for each status code (operationView reads the status from it). */
const STATE_OF_CODE = ['', 'waiting', 'active', 'delayed', 'completed', 'failed', 'failed'] as const;

const codeOf = (status: OpStatus): number => OP_STATUS_NAMES.indexOf(status);

/** BullMQ's sets an operation of each status is in (the candidates of a filtered page). */
const SETS_OF_STATUS: Record<OpStatus, readonly { readonly state: 'wait' | 'paused' | 'prioritized' | 'active' | 'delayed' | 'completed' | 'failed'; readonly kind: 'z' | 'l' }[]> = {
  queued: [
    { state: 'wait', kind: 'l' },
    { state: 'paused', kind: 'l' },
    { state: 'prioritized', kind: 'z' },
  ],
  running: [{ state: 'active', kind: 'l' }],
  waiting: [{ state: 'delayed', kind: 'z' }],
  succeeded: [{ state: 'completed', kind: 'z' }],
  failed: [{ state: 'failed', kind: 'z' }],
  cancelled: [{ state: 'failed', kind: 'z' }],
};

type Source = { readonly key: string; readonly kind: 'z' | 'l'; readonly index: boolean };

export class Listing {
  /** Where the scripts read statuses (see StatusKeys). */
  private readonly statusKeys: StatusKeys;

  constructor(
    private readonly queue: Queue<OpData, JobResult>,
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
    private readonly index: OperationsIndex,
  ) {
    this.statusKeys = [keys.bull('completed'), keys.bull('failed'), keys.bull('delayed'), keys.bull('active')];
  }

  async list(filter: ListFilter = {}): Promise<OperationView[]> {
    return (await this.read(filter)).views;
  }

  /**
   * A page of `filter.limit` and whether more operations match after it. (Counting what a list
   * returns would not tell: an operation that changed between the filter and the read is left
   * out, so a page can be short while more match.)
   */
  async listPage(filter: ListFilter & { limit: number }): Promise<{ views: OperationView[]; more: boolean }> {
    const { views, matched } = await this.read({ ...filter, limit: filter.limit + 1 });
    return { views: views.slice(0, filter.limit), more: matched > filter.limit };
  }

  /** The views, and how many operations matched (up to the limit) before the read left any out. */
  private async read(filter: ListFilter): Promise<{ views: OperationView[]; matched: number }> {
    const offset = Math.max(0, filter.offset ?? 0);
    const limit = filter.limit ?? 1000;
    if (!(limit > 0)) return { views: [], matched: 0 };
    if (!filter.batch) await this.index.checked();
    const source = this.source(filter.batch);
    const filtered = filter.status !== undefined || filter.reason !== undefined || filter.type !== undefined;
    if (filtered) {
      const ids = await this.matching(source, filter, offset, limit);
      const views: OperationView[] = [];
      // An operation that changed between the filter and the read is left out, not shown as it is now.
      for (let i = 0; i < ids.length; i += CHUNK) views.push(...(await this.page(ids.slice(i, i + CHUNK), source)).filter((v) => passes(v, filter)));
      return { views, matched: ids.length };
    }
    // A page straight from the list. An entry without a job is skipped (and dropped from the
    // index, see page), and the page filled from further on: from after the last operation read,
    // found again (entries before it may have left the index meanwhile, by this list or another).
    const views: OperationView[] = [];
    for (let position = offset; views.length < limit; ) {
      const want = Math.min(limit - views.length, CHUNK);
      const ids = await this.range(source, position, want);
      const read = await this.page(ids, source);
      views.push(...read);
      if (ids.length < want || views.length >= limit) break;
      const last = read.at(-1)?.id;
      if (!source.index) position += ids.length;
      else if (last !== undefined) position = ((await this.redis.zrank(source.key, last)) ?? position + ids.length - 1) + 1;
      // else: none of them had a job, and they have all left the index: read on from the same place
    }
    return { views, matched: views.length };
  }

  /**
   * The ids of every operation of the account (or of a batch) with this status or failure type,
   * in list order: what a redrive of many works through, without reading each one whole first.
   */
  async ids(filter: ListFilter & ({ status: OpStatus } | { type: string })): Promise<string[]> {
    if (!filter.batch) await this.index.checked();
    return this.matching(this.source(filter.batch), filter, 0, Number.MAX_SAFE_INTEGER);
  }

  /** A batch's operations by status (as its list would show them). */
  async counts(batch: string): Promise<Record<OpStatus, number>> {
    const source = this.source(batch);
    const size = await this.redis.llen(source.key);
    const counts: Record<OpStatus, number> = { queued: 0, running: 0, waiting: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (let first = 0; first < size; first += CHUNK) {
      const got = (await this.scan(source, first, first + CHUNK - 1, 'counts', '', '', '')) as number[];
      for (let code = 1; code < OP_STATUS_NAMES.length; code++) counts[OP_STATUS_NAMES[code] as OpStatus] += got[code] ?? 0;
    }
    return counts;
  }

  /** Failed operations (not cancelled ones) by failure type, in the order the types were first met. */
  async failureCounts(): Promise<Map<string, number>> {
    const k = this.keys;
    const size = await this.redis.zcard(k.bull('failed'));
    const counts = new Map<string, number>();
    for (let first = 0; first < size; first += CHUNK) {
      const flat = await this.redis.failureCounts(k.bull('failed'), k.jobPrefix, first, first + CHUNK - 1);
      for (let i = 0; i < flat.length; i += 2) counts.set(String(flat[i]), (counts.get(String(flat[i])) ?? 0) + Number(flat[i + 1]));
    }
    return counts;
  }

  private source(batch: string | undefined): Source {
    return batch ? { key: this.keys.batchMembers(batch), kind: 'l', index: false } : { key: this.keys.operations, kind: 'z', index: true };
  }

  private range(source: Source, first: number, count: number): Promise<string[]> {
    const last = first + count - 1;
    return source.kind === 'z' ? this.redis.zrange(source.key, first, last) : this.redis.lrange(source.key, first, last);
  }

  /**
   * The ids of the matching operations from the `offset`th on. The account's list with a status
   * (or failure type) filter reads the BullMQ sets of that status when they are small against the
   * walk it would take; otherwise the list is walked in Redis, a chunk at a time.
   */
  private async matching(source: Source, filter: ListFilter, offset: number, limit: number): Promise<string[]> {
    const size = source.kind === 'z' ? await this.redis.zcard(source.key) : await this.redis.llen(source.key);
    const statuses = filter.status === undefined ? (filter.reason === undefined ? '' : `${codeOf('failed')}${codeOf('cancelled')}`) : String(codeOf(filter.status));
    const failureType = filter.reason ?? '';
    const opType = filter.type ?? '';
    const status: OpStatus | undefined = filter.status ?? (filter.reason !== undefined ? 'failed' : undefined);
    if (source.index && status !== undefined) {
      const sets = SETS_OF_STATUS[status];
      const k = this.keys;
      const sizes = await Promise.all(sets.map((s) => (s.kind === 'z' ? this.redis.zcard(k.bull(s.state)) : this.redis.llen(k.bull(s.state)))));
      const candidates = sizes.reduce((a, b) => a + b, 0);
      // A walk reads about (offset + limit) * size / candidates entries; the sets, all of theirs.
      if (candidates * candidates <= (offset + limit) * size) {
        const found: { score: number; id: string }[] = [];
        for (const [i, set] of sets.entries()) {
          for (let first = 0; first < sizes[i]!; first += CHUNK) {
            const flat = await this.redis.candidates(...this.statusKeys, k.operations, k.bull(set.state), k.jobPrefix, statuses, failureType, opType, set.kind, first, first + CHUNK - 1);
            for (let j = 0; j < flat.length; j += 2) found.push({ score: Number(flat[j]), id: String(flat[j + 1]) });
          }
        }
        found.sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        return found.slice(offset, offset + limit).map((f) => f.id);
      }
    }
    const out: string[] = [];
    let skip = offset;
    for (let first = 0; first < size && out.length < limit; first += CHUNK) {
      const ids = (await this.scan(source, first, first + CHUNK - 1, 'ids', statuses, failureType, opType)) as string[];
      const skipped = Math.min(skip, ids.length);
      skip -= skipped;
      for (let i = skipped; i < ids.length && out.length < limit; i++) out.push(ids[i]!);
    }
    return out;
  }

  private scan(source: Source, first: number, last: number, mode: 'ids' | 'counts', statuses: string, failureType: string, opType: string): Promise<string[] | number[]> {
    const k = this.keys;
    return this.redis.scanOps(...this.statusKeys, source.key, k.jobPrefix, source.kind, first, last, mode, statuses, failureType, opType);
  }

  /**
   * The operations with these ids, in this order (those without a job skipped, and pruned from
   * the index): their statuses and job hashes in one round trip, the statuses first, so each
   * hash is at least as new.
   */
  private async page(ids: readonly string[], source: Source): Promise<OperationView[]> {
    if (ids.length === 0) return [];
    const k = this.keys;
    const pipeline = this.redis.pipeline() as ReturnType<EngineRedis['pipeline']> & { opStatuses: (...args: string[]) => unknown };
    pipeline.opStatuses(...this.statusKeys, k.jobPrefix, ...ids);
    for (const id of ids) pipeline.hgetall(k.job(id));
    const replies = (await pipeline.exec()) ?? [];
    const [statusErr, codes] = replies[0] ?? [];
    if (statusErr) throw statusErr;
    const views: OperationView[] = [];
    const missing: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const [err, raw] = replies[i + 1] ?? [];
      if (err) throw err;
      const hash = raw as Record<string, string> | null;
      if (!hash || !hash['timestamp']) {
        missing.push(ids[i]!);
        continue;
      }
      const job = Job.fromJSON<OpData, JobResult>(this.queue, hash as never, ids[i]);
      let state: string = STATE_OF_CODE[(codes as number[])[i] ?? 0] || 'waiting';
      // It ended between the two reads: read its state again.
      if (job.finishedOn && state !== 'completed' && state !== 'failed') state = await job.getState();
      views.push(operationView(job, state));
    }
    if (source.index) await this.index.dropMissing(missing);
    return views;
  }
}

/** Whether a view passes a filter (it may have changed since the filter was applied in Redis). */
function passes(v: OperationView, filter: ListFilter): boolean {
  return (filter.status === undefined || v.status === filter.status) && (filter.reason === undefined || v.failure?.type === filter.reason) && (filter.type === undefined || v.type === filter.type);
}
