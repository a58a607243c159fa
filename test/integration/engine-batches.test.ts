// A batch of registrations checks availability 32 names a command, so it costs
// about one registrar command per domain; taken names fail without a command of their own.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/engine-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

let sim: SimProcess;
let h: Harness;
const taken = Array.from({ length: 5 }, (_, i) => `batch-taken-${i}.com`);

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000', '--taken', taken.join(',')]);
  h = createHarness('batches');
});

afterAll(async () => {
  await h?.close();
  await sim?.stop();
});

it('checks availability in CheckDomains of 32 and spends one command per available name', async () => {
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 8 });
  const free = Array.from({ length: 45 }, (_, i) => `batch-free-${i}.com`);
  const specs = [...free, ...taken].map((domain) => ({ type: 'register' as const, domain, period: 1 }));
  const submitted = await h.engine.batches.submit(specs, { registrar: h.client(sim.url), source: 'test' });
  expect(submitted.operations.map((o) => o.domain)).toEqual(specs.map((s) => s.domain));
  expect(submitted.checkCommands).toBe(2);
  const final = await h.waitAllFinal(
    submitted.operations.map((o) => o.id),
    30_000,
  );
  expect(final.filter((v) => v.status === 'succeeded').map((v) => v.domain)).toEqual(free);
  expect(final.filter((v) => v.status === 'failed').map((v) => [v.domain, v.failure?.type, v.failure?.code])).toEqual(taken.map((d) => [d, 'domain_not_available', 211]));
  const stats = await sim.stats();
  expect(stats.commands).toBe(2 + free.length);
  // every command an operation depended on is in its history: the batch's CheckDomains first
  const takenView = await h.engine.store.get(final.find((v) => v.domain === taken[0])!.id);
  expect(takenView?.history?.map((e) => [e.command, e.step, e.code, e.description, e.attempt])).toEqual([['CheckDomains', 'checkDomain', 211, 'Domain name not available', 1]]);
  expect(takenView?.history?.[0]?.params).toEqual({ DOMAIN13: taken[0] });
  const freeView = await h.engine.store.get(final[0]!.id);
  expect(freeView?.history?.map((e) => [e.command, e.code])).toEqual([
    ['CheckDomains', 210],
    ['AddDomain', 200],
  ]);
  expect(freeView?.history?.[0]?.params).toEqual({ DOMAIN0: free[0] });
  expect(Date.parse(freeView!.history![0]!.at)).toBeLessThanOrEqual(Date.parse(freeView!.history![1]!.at));
  const progress = await h.engine.batches.progress(submitted.batch);
  expect(progress).toMatchObject({ batch: submitted.batch, total: 50, done: true, source: 'test', counts: { succeeded: 45, failed: 5, queued: 0 } });
  expect((await h.engine.batches.list()).map((b) => b.batch)).toContain(submitted.batch);
  expect((await h.engine.store.list({ batch: submitted.batch, status: 'failed' })).map((v) => v.domain)).toEqual(taken);
  // redrive by batch: the taken ones fail again, at their own CheckDomain this time
  const redriven = await h.engine.store.retryMany({ batch: submitted.batch });
  expect(redriven).toHaveLength(5);
  const again = await h.waitAllFinal(
    redriven.map((o) => o.id),
    20_000,
  );
  expect(again.every((v) => v.failure?.type === 'domain_not_available')).toBe(true);
  expect((await sim.stats()).commands).toBe(2 + free.length + 5);
  await worker.close();
}, 90_000);

/** A client whose CheckDomains wait for `release()`; `started(n)` resolves once n of them are waiting. */
function heldChecks() {
  const client = h.client(sim.url);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let waiting = 0;
  const watchers: { n: number; resolve: () => void }[] = [];
  const slow = Object.assign(Object.create(client) as typeof client, {
    checkDomains: async (names: readonly string[]) => {
      waiting++;
      for (const w of watchers) if (waiting >= w.n) w.resolve();
      await held;
      return client.checkDomains(names);
    },
  });
  const started = (n = 1) => new Promise<void>((resolve) => (waiting >= n ? resolve() : watchers.push({ n, resolve })));
  return { slow, release, started };
}

it('refuses a batch line whose key a concurrent submission of another request took during the check, and frees its domain', async () => {
  // the batch's CheckDomains waits until the other submission has taken the key
  const { slow, release, started } = heldChecks();
  const specs = [
    { type: 'register' as const, domain: 'race-line-a.com', period: 1, key: 'race-key-1' },
    { type: 'register' as const, domain: 'race-line-b.com', period: 1 },
  ];
  const batch = h.engine.batches.submit(specs, { registrar: slow });
  await started();
  const other = await h.engine.store.submit({ type: 'register', domain: 'race-line-other.com', period: 1, key: 'race-key-1' });
  release();
  const submitted = await batch;
  expect(submitted.rejected).toEqual([{ index: 0, field: 'key', error: expect.stringMatching(/^key "race-key-1" already names op_\S+ \(register race-line-other\.com for 1 year\(s\)\), not register race-line-a\.com/) }]);
  expect(submitted.indices).toEqual([1]);
  expect(submitted.operations.map((o) => o.domain)).toEqual(['race-line-b.com']);
  expect((await h.engine.batches.progress(submitted.batch))?.total).toBe(1);
  // the key's operation is the other request's, and race-line-a.com is not held for it
  expect((await h.engine.store.get(other.operation.id, false))?.domain).toBe('race-line-other.com');
  expect(await h.engine.domains.owner('race-line-a.com')).toBeNull();
  await h.engine.store.cancel(other.operation.id);
  await h.engine.store.cancel(submitted.operations[0]!.id);
});

it('puts the batch check first in the history of keyed lines too, once, however often the batch is replayed', async () => {
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 4 });
  const specs = [
    { type: 'register' as const, domain: 'keyed-free-1.com', period: 1, key: 'keyed-line-1' },
    { type: 'register' as const, domain: taken[0]!, period: 1, key: 'keyed-line-2' },
  ];
  const first = await h.engine.batches.submit(specs, { registrar: h.client(sim.url) });
  await h.waitAllFinal(
    first.operations.map((o) => o.id),
    20_000,
  );
  const again = await h.engine.batches.submit(specs, { registrar: h.client(sim.url) });
  expect(again.operations.map((o) => o.id)).toEqual(first.operations.map((o) => o.id));
  const [free, gone] = await Promise.all(first.operations.map((o) => h.engine.store.get(o.id)));
  expect(free?.history?.map((e) => [e.command, e.code])).toEqual([
    ['CheckDomains', 210],
    ['AddDomain', 200],
  ]);
  expect(gone?.history?.map((e) => [e.command, e.code])).toEqual([['CheckDomains', 211]]);
  await worker.close();
});

it('does not fail another request\'s operation when a raced keyed line names a taken domain', async () => {
  const { slow, release, started } = heldChecks();
  const batch = h.engine.batches.submit(
    [
      { type: 'register' as const, domain: taken[1]!, period: 1, key: 'race-key-taken' },
      { type: 'register' as const, domain: 'race-taken-free.com', period: 1 },
    ],
    { registrar: slow },
  );
  await started();
  const other = await h.engine.store.submit({ type: 'register', domain: 'race-taken-other.com', period: 1, key: 'race-key-taken' });
  release();
  const submitted = await batch;
  expect(submitted.rejected.map((r) => [r.index, r.field])).toEqual([[0, 'key']]);
  // the key's operation is still queued, as its own submission left it
  expect(await h.engine.store.get(other.operation.id, false)).toMatchObject({ domain: 'race-taken-other.com', status: 'queued' });
  await h.engine.store.cancel(other.operation.id);
  await h.engine.store.cancel(submitted.operations[0]!.id);
});

it('two identical keyed batches at once make one operation with one check line', async () => {
  const { slow, release, started } = heldChecks();
  const specs = [
    { type: 'register' as const, domain: 'twin-free.com', period: 1, key: 'twin-key-free' },
    { type: 'register' as const, domain: taken[2]!, period: 1, key: 'twin-key-taken' },
  ];
  const both = [h.engine.batches.submit(specs, { registrar: slow }), h.engine.batches.submit(specs, { registrar: slow })];
  await started(2);
  release();
  const [a, b] = await Promise.all(both);
  expect(b!.operations.map((o) => o.id)).toEqual(a!.operations.map((o) => o.id));
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 2 });
  const [free, gone] = await h.waitAllFinal(
    a!.operations.map((o) => o.id),
    20_000,
  );
  await worker.close();
  expect(free?.status).toBe('succeeded');
  expect(gone?.failure?.type).toBe('domain_not_available');
  const histories = await Promise.all(a!.operations.map((o) => h.engine.store.history(o.id)));
  expect(histories.map((hs) => hs.map((e) => e.command))).toEqual([['CheckDomains', 'AddDomain'], ['CheckDomains']]);
});
