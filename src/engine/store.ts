// Submitting, reading, listing, cancelling and redriving operations. An
// operation is one BullMQ job (job id = operation id); its state is the job's
// state, its outcome the job's return value or failed reason.
import { createHash, randomBytes } from 'node:crypto';
import { Job, type Queue } from 'bullmq';
import type { Contacts, OperationType } from '../../machines/contract.ts';
import { Cancels, failQueued } from './cancel.ts';
import type { DomainLocks } from './domain-lock.ts';
import { Listing, type ListFilter } from './listing.ts';
import { CLAIM_TO_ADD_MS } from './lua/run.ts';
import { ConflictError } from './errors.ts';
import { OperationsIndex } from './operations-index.ts';
import { Redrives } from './redrive.ts';
import type { Keys } from './keys.ts';
import type { FailureView, HistoryEntry, OpData, OperationView, OpStatus } from './operation.ts';
import { keyChecks, keyConflict, madeHere, storedConflicts, type Added, type KeyCheck, type KeyRace } from './idempotency.ts';
import { operationView, parsed, parseFailedReason } from './operation-view.ts';
import type { JobResult } from './runner.ts';
import type { EngineRedis } from './scripts.ts';
import type { SecretBox } from './secret-box.ts';

export { parseFailedReason } from './operation-view.ts';
export { ConflictError, NotFoundError } from './errors.ts';
export { RedriveInterruptedError } from './redrive.ts';
export type { ListFilter } from './listing.ts';

/** A validated submission (src/operations/input.ts) plus what a batch knows. */
export interface SubmitSpec {
  readonly type: OperationType;
  readonly domain: string;
  readonly period?: number;
  readonly auth?: string;
  readonly ns?: readonly string[];
  readonly contacts?: Partial<Contacts>;
  readonly key?: string;
  /** renew: the current expiration, when known */
  readonly expiration?: string;
  /** register: the batch already found the name available */
  readonly checked?: boolean;
  /** the batch's CheckDomains, as the first line of the operation's history (it sends no check of its own) */
  readonly checkLine?: HistoryEntry;
  readonly batch?: string;
}

export interface Submitted {
  readonly operation: OperationView;
  /** false when the idempotency key named an operation that already existed */
  readonly created: boolean;
}

export class OperationStore {
  /** Every operation by submission time: submissions write it, lists read it. */
  private readonly index: OperationsIndex;
  private readonly listing: Listing;
  private readonly redrives: Redrives;
  private readonly cancels: Cancels;

  constructor(
    private readonly queue: Queue<OpData, JobResult>,
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
    private readonly secrets: SecretBox,
    private readonly domains: DomainLocks,
  ) {
    this.index = new OperationsIndex(queue, redis, keys);
    this.listing = new Listing(queue, redis, keys, this.index);
    this.redrives = new Redrives(queue, redis, keys, { get: (id, withHistory) => this.get(id, withHistory), ids: (filter) => this.listing.ids(filter) });
    this.cancels = new Cancels(queue, redis, keys, domains, (id) => this.get(id, false));
  }

  /** The same key always names the same operation of the account. */
  idFor(key: string | undefined): string {
    if (key === undefined) return `op_${randomBytes(10).toString('base64url')}`;
    return `op_${createHash('sha256').update(`${this.keys.account}\0${key}`).digest('base64url').slice(0, 20)}`;
  }

  /** The job data of a submission; `owns`: it claimed its domain as it was submitted. */
  dataFor(spec: SubmitSpec, owns = false): OpData {
    const data: OpData = { t: spec.type, d: spec.domain };
    if (owns) data.o = 1;
    if (spec.period !== undefined && spec.type !== 'delete') data.p = spec.period;
    if (spec.ns?.length) data.ns = [...spec.ns];
    if (spec.contacts && Object.keys(spec.contacts).length > 0) data.c = { ...spec.contacts };
    if (spec.expiration) data.x = spec.expiration;
    if (spec.checked) data.k = 1;
    if (spec.auth !== undefined) data.s = { auth: this.secrets.seal(spec.auth) };
    if (spec.batch) data.b = spec.batch;
    if (spec.key !== undefined) data.key = spec.key;
    return data;
  }

  async submit(spec: SubmitSpec): Promise<Submitted> {
    const id = this.idFor(spec.key);
    if (spec.key !== undefined) {
      const existing = await this.get(id, false);
      if (existing) {
        const conflict = keyConflict(spec, id, { t: existing.type, d: existing.domain, ...(existing.period !== undefined ? { p: existing.period } : {}) });
        if (conflict) throw new ConflictError(conflict, 'key');
        return { operation: existing, created: false };
      }
    }
    // Connected first: a job's timestamp is taken once the queue has its connection (see claimFresh).
    await this.queue.waitUntilReady();
    const claimedAt = Date.now();
    const [owns] = await this.domains.claimForSubmission([{ domain: spec.domain, id }], claimedAt);
    const added = await this.index.adding([id], async () => [await this.queue.add(spec.type, this.dataFor(spec, owns && claimFresh(claimedAt)), { jobId: id })]);
    const job = added[0]!;
    // Another submission with the same key may have made the job between the look above and the add.
    const [race] = await this.storedConflicts([{ spec, id }]);
    if (race) throw new ConflictError(race.error, 'key');
    return { operation: operationView(job, 'waiting'), created: true };
  }

  /** What each spec's idempotency key says (see keyChecks). */
  keyCheck(specs: readonly SubmitSpec[]): Promise<KeyCheck[]> {
    return keyChecks(this.redis, this.keys, specs, (key) => this.idFor(key));
  }

  /**
   * After adding: which keyed submissions' ids name another request's operation (see
   * storedConflicts). Such a submission claimed its own domain for that id as it was added: the
   * claim is given up (unless it is that operation's domain too), or the domain would wait for an
   * operation on another until it ends.
   */
  async storedConflicts(added: readonly Added[]): Promise<(KeyRace | undefined)[]> {
    const races = await storedConflicts(this.redis, this.keys, added);
    for (const [i, race] of races.entries()) {
      const { spec, id } = added[i]!;
      if (race && race.domain !== spec.domain) await this.domains.release(spec.domain, id);
    }
    return races;
  }

  /** Submit many at once (a batch): two round trips (claims, jobs) a 500. */
  async submitMany(specs: readonly SubmitSpec[]): Promise<OperationView[]> {
    const views: OperationView[] = [];
    await this.queue.waitUntilReady();
    // Claim and add 500 at a time: a claim holds for PENDING_CLAIM_MS before its job exists.
    for (let i = 0; i < specs.length; i += 500) {
      const chunk = specs.slice(i, i + 500);
      const ids = chunk.map((spec) => this.idFor(spec.key));
      const claimedAt = Date.now();
      const owns = await this.domains.claimForSubmission(
        chunk.map((spec, j) => ({ domain: spec.domain, id: ids[j]! })),
        claimedAt,
      );
      const jobs = await this.index.adding(ids, async () => {
        await this.recordChecks(chunk, ids);
        const fresh = claimFresh(claimedAt);
        return this.queue.addBulk(chunk.map((spec, j) => ({ name: spec.type, data: this.dataFor(spec, owns[j] && fresh), opts: { jobId: ids[j]! } })));
      });
      views.push(...jobs.map((job) => operationView(job, 'waiting')));
    }
    return views;
  }

  /**
   * The batch's CheckDomains line first in the history of each checked operation, written before
   * its job exists (so before any line of its own). Not for one with an idempotency key: its id
   * may be an operation that exists already, whose history is its own (see prependChecks).
   */
  private async recordChecks(specs: readonly SubmitSpec[], ids: readonly string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    specs.forEach((spec, j) => {
      if (spec.checkLine && spec.key === undefined) pipeline.rpush(this.keys.history(ids[j]!), JSON.stringify(spec.checkLine));
    });
    if (pipeline.length > 0) await pipeline.exec();
  }

  /** After adding: whether each submission made the job under its id (see madeHere). */
  madeHere(added: readonly Added[]): Promise<boolean[]> {
    return madeHere(this.redis, this.keys, added);
  }

  /**
   * The batch's CheckDomains line put first in the history of operations with an idempotency key
   * that the batch made (madeHere): they may have run already.
   */
  async prependChecks(lines: ReadonlyMap<string, HistoryEntry>): Promise<void> {
    if (lines.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [id, line] of lines) pipeline.lpush(this.keys.history(id), JSON.stringify(line));
    await pipeline.exec();
  }

  async get(id: string, withHistory = true): Promise<OperationView | undefined> {
    const read = await this.read(id);
    if (!read) return undefined;
    const history = withHistory ? await this.historyOf(read.job, read.state) : undefined;
    return operationView(read.job, read.state, history);
  }

  /**
   * A job and its state, consistent: the state is read first, so the job hash is at least as new
   * (an operation that ended in between is read again, with its result and last history lines).
   */
  private async read(id: string): Promise<{ job: Job<OpData, JobResult>; state: string } | undefined> {
    let state: string = await this.queue.getJobState(id);
    const job = await Job.fromId<OpData, JobResult>(this.queue, id);
    if (!job) return undefined;
    if (job.finishedOn && state !== 'completed' && state !== 'failed') state = await job.getState();
    return { job, state };
  }

  /** Every command the operation sent, oldest first; [] for an unknown operation. */
  async history(id: string): Promise<HistoryEntry[]> {
    const read = await this.read(id);
    return read ? this.historyOf(read.job, read.state) : [];
  }

  /**
   * The code of the last reply of each of these operations, which succeeded (the last line of
   * its history: the lines its last run left with its result, else the history list's last),
   * read for many at once: one round trip, not three an operation.
   */
  async lastReplyCodes(ids: readonly string[]): Promise<(number | undefined)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.job(id), 'returnvalue').lindex(this.keys.history(id), -1);
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((_, i) => {
      const [result, listed] = [replies[2 * i]?.[1], replies[2 * i + 1]?.[1]] as (string | null | undefined)[];
      const tail = parsed<JobResult>(result)?.h;
      return (tail?.length ? tail.at(-1) : parsed<HistoryEntry>(listed))?.code;
    });
  }

  /** The history list, then the lines an ended run left with its result or failed reason. */
  private async historyOf(job: Job<OpData, JobResult>, state: string): Promise<HistoryEntry[]> {
    const lines = await this.redis.lrange(this.keys.history(job.id as string), 0, -1);
    const listed = lines.map((l) => JSON.parse(l) as HistoryEntry);
    const tail = state === 'completed' ? job.returnvalue?.h : state === 'failed' ? parseFailedReason(job.failedReason)?.h : undefined;
    return tail?.length ? [...listed, ...tail] : listed;
  }

  /** A page of the account's operations (oldest first) or of a batch's (in its order), filtered (see Listing). */
  list(filter: ListFilter = {}): Promise<OperationView[]> {
    return this.listing.list(filter);
  }

  /** A page of `filter.limit` operations, and whether more match after it. */
  listPage(filter: ListFilter & { limit: number }): Promise<{ views: OperationView[]; more: boolean }> {
    return this.listing.listPage(filter);
  }

  /** A batch's operations by status. */
  counts(batch: string): Promise<Record<OpStatus, number>> {
    return this.listing.counts(batch);
  }

  /** Failed operations (not cancelled ones) by failure type. */
  failureCounts(): Promise<Map<string, number>> {
    return this.listing.failureCounts();
  }

  /**
   * Record operations that end before they start (a batch check found the name taken):
   * added delayed, so no worker takes them, then failed with the given failure.
   */
  async submitFailed(items: readonly { spec: SubmitSpec; failure: FailureView; history?: readonly HistoryEntry[] }[]): Promise<OperationView[]> {
    if (items.length === 0) return [];
    const ids = items.map(({ spec }) => this.idFor(spec.key));
    const jobs = await this.index.adding(ids, () => this.queue.addBulk(items.map(({ spec }, i) => ({ name: spec.type, data: this.dataFor(spec), opts: { jobId: ids[i]!, delay: 3_600_000 } }))));
    // The command that decided the failure (the batch's CheckDomains) is its history, kept with the failed reason.
    const reason = (i: number) => JSON.stringify({ failure: { ...items[i]!.failure, scope: 'operation' }, ...(items[i]!.history?.length ? { h: items[i]!.history } : {}) });
    // Only a job this submission made: a keyed one may be another submission's, made meanwhile.
    const mine = await this.madeHere(items.map(({ spec }, i) => ({ spec, id: ids[i]! })));
    await Promise.all(jobs.map((job, i) => (mine[i] ? failQueued(this.redis, this.keys, job.id as string, reason(i)) : undefined)));
    return Promise.all(jobs.map(async (job) => (await this.get(job.id as string, false)) as OperationView));
  }

  /** Cancel an operation that has not ended (see Cancels.one). */
  cancel(id: string): Promise<OperationView> {
    return this.cancels.one(id);
  }

  /** Redrive a failed (or cancelled) operation from the step that failed (see Redrives.one). */
  retry(id: string): Promise<OperationView> {
    return this.redrives.one(id);
  }

  /** Redrive every failed operation with this failure type, or of this batch (see Redrives.many). */
  retryMany(filter: { reason?: string; batch?: string }): Promise<OperationView[]> {
    return this.redrives.many(filter);
  }
}

/**
 * Whether jobs made now may carry their submission's claims (`o`): made within CLAIM_TO_ADD_MS of
 * them, as their timestamps (BullMQ's, taken as the job is made, at once when the queue is
 * connected) then tell (see first-run.ts). Later, they claim their domains again as
 * they run (begin-run finds the claim theirs, or waits its turn). A job that reaches Redis late
 * has an early timestamp: its first run comes too late after it to skip the checkpoint.
 */
function claimFresh(claimedAt: number): boolean {
  return Date.now() - claimedAt < CLAIM_TO_ADD_MS;
}
