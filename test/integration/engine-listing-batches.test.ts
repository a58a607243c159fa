// Listing and counting where operations are submitted again (idempotency keys,
// a job removed meanwhile) or a batch has ended, and what a read costs at
// scale: the same number of commands for 200 operations as for 2,000.
import { Worker, type Job } from 'bullmq';
import { expect, it } from 'vitest';
import type { OpData } from '../../src/engine/operation.ts';
import type { JobResult } from '../../src/engine/runner.ts';
import { createHarness } from '../helpers/engine-harness.ts';
import { commandsOf, everything, spec } from '../helpers/listing-reference.ts';

it('an idempotency key submitted again keeps its operation where it was in the list', async () => {
  const h = createHarness('listing-keys');
  try {
    const first = await h.engine.store.submit({ ...spec('register', 'keyed.com'), key: 'order-1' });
    await h.engine.store.submitMany([spec('register', 'other-1.com')]);
    const before = await h.engine.store.list();
    await new Promise((r) => setTimeout(r, 5));
    // again, one by one and in a batch
    expect((await h.engine.store.submit({ ...spec('register', 'keyed.com'), key: 'order-1' })).created).toBe(false);
    await h.engine.batches.submit([spec('register', 'other-2.com'), { ...spec('register', 'keyed.com'), key: 'order-1' }]);
    const after = await h.engine.store.list();
    expect(after.map((v) => v.id).slice(0, 2)).toEqual(before.map((v) => v.id));
    expect(after[0]!.id).toBe(first.operation.id);
    expect(after).toEqual(await everything(h));
  } finally {
    await h.close();
  }
});

it('an operation whose job was removed, submitted again under its key, lists at its new time', async () => {
  const h = createHarness('listing-removed');
  try {
    const first = await h.engine.store.submit({ ...spec('register', 'again.com'), key: 'order-9' });
    await h.engine.store.submit(spec('register', 'later.com'));
    await (await h.engine.queue.getJob(first.operation.id))!.remove();
    await new Promise((r) => setTimeout(r, 5));
    const again = await h.engine.store.submit({ ...spec('register', 'again.com'), key: 'order-9' });
    expect(again).toMatchObject({ created: true, operation: { id: first.operation.id } });
    const listed = await h.engine.store.list();
    expect(listed.map((v) => v.domain)).toEqual(['later.com', 'again.com']);
    expect(listed).toEqual(await everything(h));
  } finally {
    await h.close();
  }
});

it('an ended batch keeps its counts until one of its operations is redriven', async () => {
  const h = createHarness('listing-final');
  const worker = new Worker<OpData, JobResult>(h.engine.keys.queue, null, { connection: h.engine.redis.duplicate(), prefix: h.engine.keys.bullPrefix, autorun: false });
  try {
    const { batch, operations } = await h.engine.batches.submit([spec('register', 'kept-1.com'), spec('register', 'kept-2.com'), spec('delete', 'kept-3.com')]);
    expect(await h.engine.batches.progress(batch)).toMatchObject({ done: false, counts: { queued: 3 } });
    for (let i = 0; i < 3; i++) {
      const job = (await worker.getNextJob(`t-${i}`)) as Job<OpData, JobResult>;
      if (job.data.t === 'delete') await job.moveToFailed(new Error(JSON.stringify({ failure: { type: 'retries_exhausted', code: 421, description: 'x', step: 'deleteDomain' }, redrive: { step: 'deleteDomain' } })), `t-${i}`, false);
      else await job.moveToCompleted({ status: 'succeeded', result: {} } as unknown as JobResult, `t-${i}`, false);
    }
    const ended = { done: true, counts: { queued: 0, running: 0, waiting: 0, succeeded: 2, failed: 1, cancelled: 0 } };
    expect(await h.engine.batches.progress(batch)).toMatchObject(ended);
    // kept: the next reads are one command each, with the same counts
    expect(await commandsOf(h, async () => expect(await h.engine.batches.progress(batch)).toMatchObject(ended))).toBe(1);
    // a redrive makes the batch live again
    await h.engine.store.retry(operations[2]!.id);
    expect(await h.engine.batches.progress(batch)).toMatchObject({ done: false, counts: { succeeded: 2, failed: 0, queued: 1 } });
    expect(await h.engine.redis.hget(h.engine.keys.batch(batch), 'final')).toBeNull();
    // counts taken before that redrive (as a concurrent read would have) are not kept
    expect(await h.engine.redis.keepBatchCounts(h.engine.keys.batch(batch), '', JSON.stringify(ended.counts))).toBe(0);
    expect(await h.engine.redis.hget(h.engine.keys.batch(batch), 'final')).toBeNull();
  } finally {
    await worker.close(true);
    await h.close();
  }
});

it('a batch submitted with idempotency keys is always counted afresh: its operations may be another batch\'s too', async () => {
  const h = createHarness('listing-shared');
  const worker = new Worker<OpData, JobResult>(h.engine.keys.queue, null, { connection: h.engine.redis.duplicate(), prefix: h.engine.keys.bullPrefix, autorun: false });
  try {
    const first = await h.engine.batches.submit([{ ...spec('delete', 'shared-1.com'), key: 'k-1' }]);
    const job = (await worker.getNextJob('t')) as Job<OpData, JobResult>;
    await job.moveToFailed(new Error(JSON.stringify({ failure: { type: 'retries_exhausted', code: 421, description: 'x', step: 'deleteDomain' }, redrive: { step: 'deleteDomain' } })), 't', false);
    // a second batch names the same operation by its key
    const second = await h.engine.batches.submit([{ ...spec('delete', 'shared-1.com'), key: 'k-1' }]);
    expect(second.operations[0]!.id).toBe(first.operations[0]!.id);
    expect(await h.engine.batches.progress(second.batch)).toMatchObject({ done: true, counts: { failed: 1 } });
    expect(await h.engine.redis.hget(h.engine.keys.batch(second.batch), 'final')).toBeNull();
    // redriven through the second batch: its data names the first, and the second still shows it under way
    await h.engine.store.retryMany({ batch: second.batch });
    expect(await h.engine.batches.progress(second.batch)).toMatchObject({ done: false, counts: { failed: 0, queued: 1 } });
    expect(await h.engine.batches.progress(first.batch)).toMatchObject({ done: false, counts: { failed: 0, queued: 1 } });
  } finally {
    await worker.close(true);
    await h.close();
  }
});

it('a page, a batch count and the failure counts cost the same number of commands for 200 operations as for 2,000', async () => {
  const cost = async (n: number) => {
    const h = createHarness('listing-scale');
    try {
      const { batch } = await h.engine.batches.submit(Array.from({ length: n }, (_, i) => spec('register', `scale-${i}.com`)));
      await h.engine.store.list({ limit: 1 }); // the index check, once a process
      return {
        page: await commandsOf(h, () => h.engine.store.list({ offset: n - 50, limit: 50 })),
        batchPage: await commandsOf(h, () => h.engine.store.list({ batch, offset: 10, limit: 50 })),
        counts: await commandsOf(h, () => h.engine.store.counts(batch)),
        failures: await commandsOf(h, () => h.engine.store.failureCounts()),
      };
    } finally {
      await h.close();
    }
  };
  const small = await cost(200);
  const large = await cost(2_000);
  expect(large).toEqual(small);
  // a page of 50: its ids, then one pipeline (statuses, then each job's hash)
  expect(small.page).toBeLessThanOrEqual(52);
  expect(small.batchPage).toBeLessThanOrEqual(52);
  // counted in Redis: the list's length, then one script a 2,000 operations
  expect(small.counts).toBeLessThanOrEqual(2);
  expect(small.failures).toBeLessThanOrEqual(1);
});
