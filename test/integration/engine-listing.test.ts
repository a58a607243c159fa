// Listing operations at scale: a page, a batch's progress and the failure counts
// read what they show, not every operation of the account; and they show what a
// full read of every job shows (the reference: see listing-reference.ts). The
// idempotency keys' and ended batches' cases are in engine-listing-batches.test.ts.
import { Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListFilter } from '../../src/engine/listing.ts';
import { OperationsIndex } from '../../src/engine/operations-index.ts';
import type { OpData, OpStatus } from '../../src/engine/operation.ts';
import type { JobResult } from '../../src/engine/runner.ts';
import { OperationStore } from '../../src/engine/store.ts';
import { createHarness, type Harness } from '../helpers/engine-harness.ts';
import { commandsOf, everything, reference, spec } from '../helpers/listing-reference.ts';

describe('a mixed account', () => {
  let h: Harness;
  let worker: Worker<OpData, JobResult>;
  let batch: string;

  beforeAll(async () => {
    h = createHarness('listing');
    const types = ['register', 'renew', 'transfer', 'delete'] as const;
    // loose operations, a batch, and more loose ones after it
    await h.engine.store.submitMany(Array.from({ length: 30 }, (_, i) => spec(types[i % 4]!, `loose-${i}.com`)));
    batch = (await h.engine.batches.submit(Array.from({ length: 40 }, (_, i) => spec(types[(i + 1) % 4]!, `batch-${i}.com`)))).batch;
    await h.engine.store.submitMany(Array.from({ length: 30 }, (_, i) => spec(types[(i + 2) % 4]!, `late-${i}.com`)));
    // A worker with no processor: jobs are taken and ended by hand, into every status there is.
    worker = new Worker<OpData, JobResult>(h.engine.keys.queue, null, { connection: h.engine.redis.duplicate(), prefix: h.engine.keys.bullPrefix, autorun: false });
    const take = async (n: number, end: (job: Job<OpData, JobResult>, token: string, i: number) => Promise<unknown>) => {
      for (let i = 0; i < n; i++) {
        const token = `t-${i}-${Math.random()}`;
        const job = (await worker.getNextJob(token)) as Job<OpData, JobResult>;
        await end(job, token, i);
      }
    };
    const failure = (type: string) => new Error(JSON.stringify({ failure: { type, code: 504, description: 'x', step: 'addDomain', scope: 'operation' } }));
    // succeeded: the last history lines with the result, or all of them in the history list already
    const line = (code: number) => ({ command: 'AddDomain', step: 'addDomain', code, description: 'ok', ms: 1, attempt: 1, at: new Date().toISOString(), params: {} });
    await take(25, async (job, token, i) => {
      await h.engine.redis.rpush(h.engine.keys.history(job.id!), JSON.stringify(line(210)), ...(i % 2 ? [JSON.stringify(line(1000 + i))] : []));
      const result = { status: 'succeeded', result: {}, ...(i % 2 ? {} : { h: [line(2000 + i)] }) };
      return job.moveToCompleted(result as unknown as JobResult, token, false);
    });
    await take(12, (job, token, i) => job.moveToFailed(failure(i % 3 === 0 ? 'domain_not_available' : 'retries_exhausted'), token, false));
    // a reason that is not ours: an engine error
    await take(2, (job, token) => job.moveToFailed(new Error('Redis went away'), token, false));
    // no reason at all: failed, with no failure to show
    await take(1, (job, token) => job.moveToFailed(new Error(''), token, false));
    // ours, with its keys in another order and a long history tail
    const tail = Array.from({ length: 40 }, (_, i) => ({ command: 'StatusDomain', code: 421, description: 'x'.repeat(150), attempt: i + 1 }));
    await take(1, (job, token) => job.moveToFailed(new Error(JSON.stringify({ h: tail, redrive: { step: 'addDomain' }, failure: { step: 'addDomain', type: 'retries_exhausted', code: 421, description: 'x' } })), token, false));
    await take(10, (job, token) => job.moveToDelayed(Date.now() + 3_600_000, token));
    await take(5, async () => undefined); // running: taken, not ended
    const queued = await h.engine.queue.getJobs(['waiting'], 0, 5);
    for (const job of queued.slice(0, 4)) await h.engine.store.cancel(job!.id!);
  });

  afterAll(async () => {
    await worker?.close(true);
    await h?.close();
  });

  it('has operations in every status (the test covers them all)', async () => {
    const statuses = new Set((await everything(h)).map((v) => v.status));
    expect([...statuses].sort()).toEqual(['cancelled', 'failed', 'queued', 'running', 'succeeded', 'waiting']);
  });

  it('lists what a full read lists, for every filter, offset and limit', async () => {
    const filters: ListFilter[] = [
      {},
      { limit: 7 },
      { offset: 13, limit: 20 },
      { offset: 95, limit: 20 },
      { offset: 500 },
      ...(['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as OpStatus[]).flatMap((status) => [{ status }, { status, offset: 2, limit: 3 }]),
      { reason: 'domain_not_available' },
      { reason: 'engine_error' },
      { reason: 'cancelled' },
      { status: 'failed', reason: 'retries_exhausted', limit: 2 },
      { type: 'transfer' },
      { type: 'renew', status: 'succeeded' },
      { batch: 'will be set' },
    ];
    // a filtered page reads the sets of its status when they are small against the walk, else walks the index: both are covered
    const r = h.engine.redis;
    const [candidates, scanOps] = [r.candidates.bind(r), r.scanOps.bind(r)];
    const used = { sets: 0, walks: 0 };
    r.candidates = (...args) => (used.sets++, candidates(...args));
    r.scanOps = (...args) => (used.walks++, scanOps(...args));
    try {
      for (const f of filters) {
        const filter = f.batch ? { batch } : f;
        expect(await h.engine.store.list(filter), JSON.stringify(filter)).toEqual(await reference(h, filter));
      }
    } finally {
      r.candidates = candidates;
      r.scanOps = scanOps;
    }
    expect(used.sets).toBeGreaterThan(3);
    expect(used.walks).toBeGreaterThan(3);
    for (const f of [{ batch }, { batch, offset: 5, limit: 9 }, { batch, status: 'queued' as const }, { batch, type: 'delete' as const, offset: 1 }, { batch, reason: 'domain_not_available' }]) {
      expect(await h.engine.store.list(f), JSON.stringify(f)).toEqual(await reference(h, f));
    }
  });

  it('says whether more operations match after a page, filtered or not', async () => {
    const pages = [
      { limit: 7 },
      { offset: 13, limit: 20 },
      { offset: 0, limit: 100_000 },
      { status: 'failed' as const, limit: 2 },
      { status: 'failed' as const, limit: 100_000 },
      { type: 'transfer' as const, offset: 1, limit: 1 },
      { reason: 'domain_not_available', limit: 1 },
      { batch, limit: 5 },
      { batch, status: 'queued' as const, limit: 1 },
    ];
    for (const f of pages) {
      const { views, more } = await h.engine.store.listPage(f);
      expect(views, JSON.stringify(f)).toEqual(await reference(h, f));
      expect(more, JSON.stringify(f)).toBe((await reference(h, { ...f, limit: f.limit + 1 })).length > f.limit);
    }
    // the set covers both answers
    const answers = await Promise.all(pages.map(async (f) => (await h.engine.store.listPage(f)).more));
    expect(answers).toContain(true);
    expect(answers).toContain(false);
  });

  it("counts a batch's operations by status as its list shows them", async () => {
    const views = await reference(h, { batch, limit: 1000 });
    const counts: Record<OpStatus, number> = { queued: 0, running: 0, waiting: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const v of views) counts[v.status]++;
    expect(await h.engine.store.counts(batch)).toEqual(counts);
    const progress = await h.engine.batches.progress(batch);
    expect(progress).toMatchObject({ total: 40, counts });
  });

  it("reads the succeeded operations' last reply codes at once, as their histories end", async () => {
    const succeeded = (await everything(h)).filter((v) => v.status === 'succeeded');
    expect(succeeded).toHaveLength(25);
    const histories = await Promise.all(succeeded.map((v) => h.engine.store.history(v.id)));
    const codes = await h.engine.store.lastReplyCodes(succeeded.map((v) => v.id));
    expect(codes).toEqual(histories.map((lines) => lines.at(-1)?.code));
    expect(new Set(codes.map((c) => Math.floor(c! / 1000)))).toEqual(new Set([1, 2]));
  });

  it('counts failed operations by failure type, cancelled ones apart', async () => {
    const expected = new Map<string, number>();
    for (const v of await everything(h)) if (v.status === 'failed' && v.failure) expected.set(v.failure.type, (expected.get(v.failure.type) ?? 0) + 1);
    expect(new Map([...(await h.engine.store.failureCounts())].sort())).toEqual(new Map([...expected].sort()));
    expect(expected.get('engine_error')).toBe(2);
  });

  it('indexes, once, operations submitted before the index existed', async () => {
    const before = await h.engine.store.list();
    const k = h.engine.keys;
    await h.engine.redis.del(k.operations);
    // a new process (a fresh store) finds the index missing and rebuilds it from the jobs
    const fresh = new OperationStore(h.engine.queue, h.engine.redis, k, h.engine.options.secrets, h.engine.domains);
    expect(await fresh.list()).toEqual(before);
    expect(await h.engine.redis.zcard(k.operations)).toBe(before.length);
    // and only once a while: the next lists trust it
    expect(await commandsOf(h, () => fresh.list({ limit: 1 }))).toBeLessThan(5);
  });

  it('skips and drops index entries without a job, and pages on without repeating or skipping', async () => {
    const k = h.engine.keys;
    const all = await everything(h);
    const second = Date.parse(all[1]!.createdAt);
    // one whose submission stopped between indexing and adding (first in the list)
    await h.engine.redis.zadd(k.operations, 0, 'op_never_added');
    const pages = [await h.engine.store.list({ limit: 3 }), await h.engine.store.list({ offset: 3, limit: 3 })];
    expect(pages.flat()).toEqual(all.slice(0, 6));
    expect(await h.engine.redis.zscore(k.operations, 'op_never_added')).toBeNull();
    // one of a submission under way: a list meets its entry before its job exists and drops it;
    // the submission writes it again as it stamps its job
    await new OperationsIndex(h.engine.queue, h.engine.redis, k).adding(['op_being_added'], async () => {
      expect(await h.engine.store.list({ offset: all.length })).toEqual([]);
      expect(await h.engine.redis.zscore(k.operations, 'op_being_added')).toBeNull();
      return [{ id: 'op_being_added', timestamp: second }];
    });
    expect(Number(await h.engine.redis.zscore(k.operations, 'op_being_added'))).toBe(second);
    await h.engine.redis.zrem(k.operations, 'op_being_added');
    // two lists that meet the same entry at once: neither skips an operation
    await h.engine.redis.zadd(k.operations, 0, 'op_never_added');
    const both = await Promise.all([h.engine.store.list({ limit: 2 }), h.engine.store.list({ limit: 2 })]);
    expect(both).toEqual([all.slice(0, 2), all.slice(0, 2)]);
  });

  it('lists operations a process of an older version added without indexing them (a rolling upgrade)', async () => {
    const job = await h.engine.queue.add('register', { t: 'register', d: 'unindexed.com', p: 1 }, { jobId: 'op_unindexed' });

    // the next process to check the index (every process does, once a minute) indexes it
    const fresh = new OperationStore(h.engine.queue, h.engine.redis, h.engine.keys, h.engine.options.secrets, h.engine.domains);
    expect(await fresh.list({ limit: 1000 })).toEqual(await everything(h));
    expect(Number(await h.engine.redis.zscore(h.engine.keys.operations, 'op_unindexed'))).toBe(job.timestamp);
    await job.remove();
  });

  it('drops entries without a job that no list has met, when the index has more entries than there are jobs', async () => {
    const k = h.engine.keys;
    await h.engine.redis.zadd(k.operations, Date.now() + 1000, 'op_stale_1', Date.now() + 2000, 'op_stale_2');
    const fresh = new OperationStore(h.engine.queue, h.engine.redis, k, h.engine.options.secrets, h.engine.domains);
    await fresh.list({ limit: 1 });
    expect(await h.engine.redis.zmscore(k.operations, 'op_stale_1', 'op_stale_2')).toEqual([null, null]);
    expect(await h.engine.redis.zcard(k.operations)).toBe((await everything(h)).length);
  });
});
