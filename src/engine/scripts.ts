// The engine's Redis scripts (each in src/engine/lua/ opens with its contract:
// keys, arguments, what it returns), registered on a connection.
import type { Redis } from 'ioredis';
import { FAIL_QUEUED } from './lua/fail-queued.ts';
import { ACQUIRE_LEASE, RENEW_LEASE } from './lua/leases.ts';
import { CANDIDATES, FAILURE_COUNTS, INDEX_OPS, KEEP_BATCH_COUNTS, OP_STATUSES, PRUNE_INDEX, SCAN_OPS } from './lua/listing.ts';
import { RESERVE_COMMAND_SLOT, SETTLE_COMMAND_SLOT } from './lua/rate.ts';
import { BEGIN_RUN, CHECKPOINT, CLAIM_DOMAINS, FINISH_RUN, PREPARE_REDRIVE, RELEASE_DOMAIN } from './lua/run.ts';

/** BullMQ's completed, failed and delayed sets and active list of the queue: where the listing scripts read statuses. */
export type StatusKeys = [completed: string, failed: string, delayed: string, active: string];
/** A listing script's filter: status codes ('' for any), failure type ('' for any), operation type ('' for any). */
type ListingFilter = [statuses: string, failureType: string, opType: string];

export interface EngineRedis extends Redis {
  reserveCommandSlot(
    settled: string,
    inflight: string,
    pause: string,
    breaker: string,
    lock: string,
    cancel: string,
    pace: string,
    max: number,
    windowMs: number,
    member: string,
    maxInFlightMs: number,
    token: string,
    lockMs: number,
  ): Promise<[number, number]>;
  settleCommandSlot(settled: string, inflight: string, member: string, windowMs: number): Promise<number>;
  acquireLease(leases: string, max: number, ttlMs: number, permit: string): Promise<number>;
  renewLease(leases: string, ttlMs: number, permit: string): Promise<number>;
  beginRun(
    owner: string,
    waiting: string,
    lock: string,
    cancel: string,
    breaker: string,
    pause: string,
    id: string,
    jobPrefix: string,
    submittedAt: number,
    token: string,
    claimFirst: '0' | '1',
    notices: string,
  ): Promise<[number, number, string, number]>;
  /** See CHECKPOINT: the operations' arguments, one after another, after the key prefixes and the lock's duration. */
  checkpoint(breaker: string, lockPause: string, jobs: string, history: string, cancel: string, domains: string, lockMs: string, ...ops: string[]): Promise<number[]>;
  finishRun(job: string, lock: string, history: string, owner: string, waiting: string, token: string, data: string, jobPrefix: string, id: string, ...entries: string[]): Promise<[number, string]>;
  releaseDomain(owner: string, waiting: string, id: string, jobPrefix: string): Promise<string>;
  prepareRedrive(job: string, history: string, failed: string, cancel: string, id: string, reason: string, finishedOn: string, stripped: string, data: string, ...entries: string[]): Promise<number>;
  claimDomains(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<(number | string)[]>;
  /** See OP_STATUSES: one status code per id. */
  opStatuses(...args: [...StatusKeys, jobPrefix: string, ...ids: string[]]): Promise<number[]>;
  /** See SCAN_OPS: matching ids, or counts by status code. */
  scanOps(...args: [...StatusKeys, list: string, jobPrefix: string, kind: 'z' | 'l', first: number, last: number, mode: 'ids' | 'counts', ...filter: ListingFilter]): Promise<string[] | number[]>;
  failureCounts(failed: string, jobPrefix: string, first: number, last: number): Promise<(string | number)[]>;
  /** See CANDIDATES: matching ids of a stretch of one set, with their places in the index. */
  candidates(...args: [...StatusKeys, index: string, set: string, jobPrefix: string, ...filter: ListingFilter, kind: 'z' | 'l', first: number, last: number]): Promise<(string | null)[]>;
  indexOps(index: string, jobPrefix: string, at: number, ...ids: string[]): Promise<number[]>;
  pruneIndex(index: string, jobPrefix: string, ...how: ['ids', ...string[]] | ['range', number, number]): Promise<number>;
  keepBatchCounts(batch: string, redrives: string, counts: string): Promise<number>;
  failQueued(job: string, wait: string, paused: string, delayed: string, prioritized: string, failed: string, events: string, id: string, reason: string, expectedData: string, expectedRuns: string): Promise<number>;
}

/** keys: how many KEYS the script takes; -1 when the caller passes the count first. */
const SCRIPTS: Record<string, { keys: number; lua: string }> = {
  reserveCommandSlot: { keys: 7, lua: RESERVE_COMMAND_SLOT },
  settleCommandSlot: { keys: 2, lua: SETTLE_COMMAND_SLOT },
  acquireLease: { keys: 1, lua: ACQUIRE_LEASE },
  renewLease: { keys: 1, lua: RENEW_LEASE },
  beginRun: { keys: 6, lua: BEGIN_RUN },
  checkpoint: { keys: 2, lua: CHECKPOINT },
  finishRun: { keys: 5, lua: FINISH_RUN },
  releaseDomain: { keys: 2, lua: RELEASE_DOMAIN },
  prepareRedrive: { keys: 4, lua: PREPARE_REDRIVE },
  claimDomains: { keys: -1, lua: CLAIM_DOMAINS },
  failQueued: { keys: 7, lua: FAIL_QUEUED },
  opStatuses: { keys: 4, lua: OP_STATUSES },
  scanOps: { keys: 5, lua: SCAN_OPS },
  failureCounts: { keys: 1, lua: FAILURE_COUNTS },
  candidates: { keys: 6, lua: CANDIDATES },
  indexOps: { keys: 1, lua: INDEX_OPS },
  pruneIndex: { keys: 1, lua: PRUNE_INDEX },
  keepBatchCounts: { keys: 1, lua: KEEP_BATCH_COUNTS },
};

/** Register the scripts on a connection (EVALSHA, with EVAL the first time on each socket). */
export function withEngineScripts(redis: Redis): EngineRedis {
  const r = redis as EngineRedis;
  if (typeof r.beginRun === 'function') return r;
  for (const [name, { keys, lua }] of Object.entries(SCRIPTS)) redis.defineCommand(name, keys >= 0 ? { numberOfKeys: keys, lua } : { lua });
  return r;
}
