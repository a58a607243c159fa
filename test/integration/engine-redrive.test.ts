// Redrives that meet: two `retry ID` of one failure at once, two `retry --reason`
// over the same failures at once. Each failure is redriven once, its history
// lines are moved once, and a redrive that comes late writes nothing (it would
// overwrite the checkpoints of the run it started).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UnknownValueError } from '../../src/engine/errors.ts';
import { ConflictError, RedriveInterruptedError } from '../../src/engine/store.ts';
import type { OperationView } from '../../src/engine/operation.ts';
import { createHarness, type Harness } from '../helpers/engine-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

let sim: SimProcess;
let h: Harness;
const taken = Array.from({ length: 30 }, (_, i) => `redrive-taken-${i}.com`);
let failed: OperationView[];

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000', '--taken', taken.join(',')]);
  h = createHarness('redrive');
  // Each fails at its own CheckDomain (211), its last history line carried in the failed reason.
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 8 });
  const views = await h.engine.store.submitMany(taken.map((domain) => ({ type: 'register' as const, domain, period: 1 })));
  failed = await h.waitAllFinal(
    views.map((v) => v.id),
    30_000,
  );
  // No worker from here on: redriven operations stay queued, where the test can look at them.
  await worker.close();
}, 60_000);

afterAll(async () => {
  await h?.close();
  await sim?.stop();
});

/** The CheckDomain lines of an operation's history. */
async function checkLines(id: string): Promise<number> {
  const view = await h.engine.store.get(id, true);
  return (view?.history ?? []).filter((e) => e.command === 'CheckDomain').length;
}

it('the failures carry their last history line in the reason', async () => {
  expect(failed.map((v) => [v.status, v.failure?.type])).toEqual(taken.map(() => ['failed', 'domain_not_available']));
  const raw = await h.engine.redis.hget(h.engine.keys.job(failed[0]!.id), 'failedReason');
  expect(JSON.parse(raw!)).toHaveProperty('h');
  expect(await checkLines(failed[0]!.id)).toBe(1);
});

it('two redrives of one failure at once: one goes ahead, the other is told it conflicts; the history line moves once', async () => {
  const id = failed[0]!.id;
  const results = await Promise.allSettled([h.engine.store.retry(id), h.engine.store.retry(id)]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(rejected).toHaveLength(1);
  expect(rejected[0]!.reason).toBeInstanceOf(ConflictError);
  expect((await h.engine.store.get(id, false))?.status).toBe('queued');
  expect(await checkLines(id)).toBe(1);
});

it('a redrive that comes after the operation moved on writes nothing, even when it failed again with the same reason', async () => {
  const id = failed[1]!.id;
  const k = h.engine.keys;
  const reason = (await h.engine.redis.hget(k.job(id), 'failedReason'))!;
  const finishedOn = (await h.engine.redis.hget(k.job(id), 'finishedOn')) ?? '';
  await h.engine.store.retry(id);
  const data = await h.engine.redis.hget(k.job(id), 'data');
  // as a redrive that read the failure before the first one moved it would write
  const late = [k.job(id), k.history(id), k.bull('failed'), k.cancel(id), id, reason, finishedOn, '{}', '{"t":"register","d":"overwritten.com"}', '{"command":"CheckDomain"}'] as const;
  expect(await h.engine.redis.prepareRedrive(...late)).toBe(0);
  // nor after the operation failed again with the same reason: it did not end at the same time
  await h.engine.redis.hset(k.job(id), 'failedReason', reason, 'finishedOn', String(Date.now() + 1_000));
  await h.engine.redis.multi().lrem(k.bull('wait'), 0, id).zadd(k.bull('failed'), Date.now(), id).exec();
  const wrote = await h.engine.redis.prepareRedrive(...late);
  expect(wrote).toBe(0);
  expect(await h.engine.redis.hget(k.job(id), 'data')).toBe(data);
  expect(await h.engine.redis.lrange(k.history(id), 0, -1)).toHaveLength(1); // the line the first redrive moved
  // back to queued, as the redrive left it
  await h.engine.redis.multi().zrem(k.bull('failed'), id).rpush(k.bull('wait'), id).hdel(k.job(id), 'failedReason', 'finishedOn').exec();
  expect((await h.engine.store.get(id, false))?.status).toBe('queued');
  expect(await checkLines(id)).toBe(1);
});

it('two `retry --reason` at once redrive each failure once between them, and neither stops at the other', async () => {
  const rest = failed.slice(2).map((v) => v.id);
  const [a, b] = await Promise.all([h.engine.store.retryMany({ reason: 'domain_not_available' }), h.engine.store.retryMany({ reason: 'domain_not_available' })]);
  const ids = [...a, ...b].map((v) => v.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.sort()).toEqual([...rest].sort());
  const views = await Promise.all(rest.map((id) => h.engine.store.get(id, true)));
  expect(views.map((v) => v?.status)).toEqual(rest.map(() => 'queued'));
  // updated when redriven (BullMQ's own times are cleared by the move): not back at its creation
  for (const v of views) expect(Date.parse(v!.updatedAt)).toBeGreaterThan(Date.parse(v!.createdAt));
  expect(views.map((v) => v?.history?.filter((e) => e.command === 'CheckDomain').length)).toEqual(rest.map(() => 1));
  // and nothing is left to redrive
  expect(await h.engine.store.retryMany({ reason: 'domain_not_available' })).toEqual([]);
});

it('a failure type that no catalogue lists and no operation has is refused by name, as is a batch id that names no batch; a catalogue type that none failed with redrives nothing', async () => {
  const err = await h.engine.store.retryMany({ reason: 'domain_not_availble' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnknownValueError);
  expect(err).toMatchObject({ field: 'reason', message: expect.stringContaining('"domain_not_availble"') });
  // a catalogue type that nothing failed with is no mistake: nothing to redrive
  expect(await h.engine.store.retryMany({ reason: 'retries_exhausted' })).toEqual([]);
  // a batch id that names no batch is refused the same way
  await expect(h.engine.store.retryMany({ batch: 'b_nosuchbatch' })).rejects.toMatchObject({ name: 'UnknownValueError', field: 'batch', message: 'no batch "b_nosuchbatch"' });
});

it('a redrive of many that meets an error stops taking more, and says which it redrove', async () => {
  const failure = { type: 'redrive_test_failure', code: 211, description: 'Domain name not available', step: 'checkDomain' };
  const views = await h.engine.store.submitFailed(Array.from({ length: 60 }, (_, i) => ({ spec: { type: 'register' as const, domain: `redrive-many-${i}.com`, period: 1 }, failure })));
  // One whose history lines cannot be moved (its history key holds a string): its redrive fails
  // with an error that is not a conflict.
  // The first the redrive takes: the other lanes stop after the one in hand, long before the end.
  const broken = (await h.engine.store.list({ status: 'failed', reason: 'redrive_test_failure', limit: 1 }))[0]!.id;
  const k = h.engine.keys;
  const reason = JSON.parse((await h.engine.redis.hget(k.job(broken), 'failedReason'))!) as Record<string, unknown>;
  await h.engine.redis.hset(k.job(broken), 'failedReason', JSON.stringify({ ...reason, h: [{ command: 'CheckDomain', step: 'checkDomain', code: 211 }] }));
  await h.engine.redis.set(k.history(broken), 'not a list');
  const err = await h.engine.store.retryMany({ reason: 'redrive_test_failure' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RedriveInterruptedError);
  const { redriven, message } = err as RedriveInterruptedError;
  expect(message).toMatch(new RegExp(`^redrove ${redriven.length} of 60 failed operations, then stopped: `));
  expect(redriven.length).toBeLessThan(40);
  // what it says it redrove is queued, and every other one is still failed
  const said = new Set(redriven.map((v) => v.id));
  const now = await Promise.all(views.filter((v) => v.id !== broken).map(async (v) => [v.id, (await h.engine.store.get(v.id, false))?.status] as const));
  expect(now.filter(([id]) => said.has(id)).every(([, status]) => status === 'queued')).toBe(true);
  expect(now.filter(([id]) => !said.has(id)).every(([, status]) => status === 'failed')).toBe(true);
});
