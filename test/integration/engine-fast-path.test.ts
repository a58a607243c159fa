// The engine's fast path, and that it gives nothing away: an operation claims its
// domain as it is submitted and starts its runs on the process's view of the
// account's gate (GateView); an operation that ends with nobody waiting leaves
// its last history lines with BullMQ's completion and its domain to be taken
// over lazily. The checkpoints' own cases are in engine-checkpoints.test.ts.
// Real Redis, the simulated registrar over HTTP.
import type { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { OWNER_TTL_MS, PENDING_CLAIM_MS } from '../../src/engine/lua/run.ts';
import { silentLogger } from '../../src/registrar/mask.ts';
import { waitFor } from '../helpers/engine-harness.ts';
import { engineSimSuite } from '../helpers/engine-sim-suite.ts';

const suite = engineSimSuite('fastpath', ['--rate', '5000', '--latency-ms', '2', '--transfer-seconds', '3600', '--taken', 'fast-xfer.com']);

it('claims each domain at submission for the first operation on it; later ones wait their turn', async () => {
  const views = await suite.h.engine.store.submitMany([
    { type: 'register', domain: 'claim-a.com', period: 1 },
    { type: 'renew', domain: 'claim-a.com', period: 1 },
    { type: 'register', domain: 'claim-b.com', period: 1 },
  ]);
  const [first, second, other] = await Promise.all(views.map((v) => suite.dataOf(v.id)));
  expect(first!.o).toBe(1);
  expect(second!.o).toBeUndefined();
  expect(other!.o).toBe(1);
  expect(await suite.h.engine.domains.owner('claim-a.com')).toBe(views[0]!.id);
  // a second submitter, racing: exactly one of them owns the domain
  const racing = await Promise.all([1, 2, 3].map(() => suite.h.engine.store.submit({ type: 'register', domain: 'claim-race.com', period: 1 })));
  const owners = (await Promise.all(racing.map((r) => suite.dataOf(r.operation.id)))).filter((d) => d.o === 1);
  expect(owners).toHaveLength(1);
  for (const v of [...views, ...racing.map((r) => r.operation)]) await suite.h.engine.store.cancel(v.id);
});

it('an operation that ended without waiters leaves its last history lines on its result and its domain to the next one', async () => {
  const worker = suite.h.engine.startWorker({ registrar: suite.h.client(suite.sim.url), concurrency: 4 });
  const reg = await suite.h.engine.store.submit({ type: 'register', domain: 'lazy-release.com', period: 1 });
  const [done] = await suite.h.waitAllFinal([reg.operation.id], 10_000);
  expect(done!.status).toBe('succeeded');
  // a first run writes no checkpoint (first-run.ts): both lines came with the completion
  expect(await suite.redis.lrange(suite.h.engine.keys.history(reg.operation.id), 0, -1)).toHaveLength(0);
  expect((await suite.h.engine.store.history(reg.operation.id)).map((e) => [e.command, e.code])).toEqual([
    ['CheckDomain', 210],
    ['AddDomain', 200],
  ]);
  // the ended owner still names the domain, with a bounded life, and holds it no more
  expect(await suite.h.engine.domains.owner('lazy-release.com')).toBe(reg.operation.id);
  expect(await suite.redis.pttl(suite.h.engine.keys.domainLock('lazy-release.com'))).toBeGreaterThan(OWNER_TTL_MS - 60_000);
  const renew = await suite.h.engine.store.submit({ type: 'renew', domain: 'lazy-release.com', period: 1 });
  expect((await suite.dataOf(renew.operation.id)).o).toBe(1);
  const [renewed] = await suite.h.waitAllFinal([renew.operation.id], 10_000);
  expect(renewed!.status).toBe('succeeded');
  await worker.close();
});

it('a run that finds its claim gone sends no effect, keeps its history and claims the domain again', async () => {
  const op = await suite.h.engine.store.submit({ type: 'register', domain: 'claim-lost.com', period: 1 });
  expect((await suite.dataOf(op.operation.id)).o).toBe(1);
  // Its job came long after its claim (the job's timestamp is the claim's time), so the claim may
  // have been taken over meanwhile: its first effect needs a checkpoint, which finds that it was.
  // (A claim whose job is not added yet holds for PENDING_CLAIM_MS.)
  await suite.redis.hset(suite.h.engine.keys.job(op.operation.id), 'timestamp', Date.now() - PENDING_CLAIM_MS);
  const ownerKey = suite.h.engine.keys.domainLock('claim-lost.com');
  await suite.redis.set(ownerKey, 'op_someone_else', 'PX', OWNER_TTL_MS);
  const worker = suite.h.engine.startWorker({ registrar: suite.h.client(suite.sim.url), concurrency: 1 });
  await waitFor(async () => (await suite.redis.llen(suite.h.engine.keys.history(op.operation.id))) > 0, 10_000, 'the first run to give up');
  const afterFirst = await suite.dataOf(op.operation.id);
  expect(afterFirst.o).toBeUndefined();
  expect(afterFirst.snap).toBeUndefined();
  expect((await suite.sim.log('?domain=claim-lost.com')).map((e) => e.command)).toEqual(['CheckDomain']);
  await suite.redis.del(ownerKey);
  // it looks again after a quarter of the time since its (backdated) submission: now instead
  await (await suite.h.engine.queue.getJob(op.operation.id))!.promote();
  const [done] = await suite.h.waitAllFinal([op.operation.id], 10_000);
  expect(done!.status).toBe('succeeded');
  expect((await suite.h.engine.store.history(op.operation.id)).map((e) => e.command)).toEqual(['CheckDomain', 'CheckDomain', 'AddDomain']);
  expect((await suite.sim.log('?domain=claim-lost.com')).filter((e) => e.command === 'AddDomain')).toHaveLength(1);
  await worker.close();
});

it("every process's gate view closes at once when another process opens the breaker or starts a cool-down", async () => {
  const worker = suite.h.engine.startWorker({ registrar: suite.h.client(suite.sim.url), concurrency: 1 });
  const view = suite.h.engine.accountGate();
  await waitFor(() => view.open(), 5_000, 'the view to be fresh');
  // another process of the same account
  const other = new Engine({ ...suite.h.engine.options, logger: silentLogger });
  const account = other.account;
  try {
    await account.pause('maintenance');
    await waitFor(() => !view.open(), 1_000, 'the view to close on pause');
    await account.resume();
    await waitFor(() => view.open(), 1_000, 'the view to open on resume');
    await account.startLockPause(300);
    await waitFor(() => !view.open(), 1_000, 'the view to close on a cool-down');
    await waitFor(() => view.open(), 2_000, 'the cool-down to end');
  } finally {
    await other.close();
    await worker.close();
  }
});

it('a gate view whose connection drops reads the gate again once subscribed, and hears the changes after', async () => {
  const view = suite.h.engine.accountGate();
  await waitFor(() => view.open(), 5_000, 'the view to be fresh');
  const seen = view as unknown as { subscriber: Redis; fresh: boolean; breaker: boolean };
  const other = new Engine({ ...suite.h.engine.options, logger: silentLogger });
  try {
    const reconnected = new Promise<void>((resolve) => seen.subscriber.once('ready', () => resolve()));
    await waitFor(() => view.listeningSince(Date.now()), 1_000, 'the notice channel');
    const droppedAt = Date.now();
    expect(view.listeningSince(droppedAt)).toBe(true);
    seen.subscriber.disconnect(true);
    await waitFor(() => !seen.fresh, 1_000, 'the view to distrust itself once its connection closed');
    // while it is away, another process pauses the account: a message it cannot hear
    await other.account.pause('maintenance');
    await reconnected;
    await waitFor(() => seen.fresh && seen.breaker, 2_000, 'the view to read the breaker again after the reconnect');
    expect(view.open()).toBe(false);
    // notices published while it was away were not heard: a run that started before the drop cannot rely on them
    await waitFor(() => view.listeningSince(Date.now()), 1_000, 'the notice channel again');
    expect(view.listeningSince(droppedAt)).toBe(false);
    // subscribed again: it hears the next change
    await other.account.resume();
    await waitFor(() => view.open(), 1_000, 'the view to open on resume after the reconnect');
  } finally {
    await other.account.resume();
    await other.close();
  }
});

it('a gate view reads the gate again every half second: a change whose message was lost still shuts it', async () => {
  const view = suite.h.engine.accountGate();
  await waitFor(() => view.open(), 5_000, 'the view to be fresh');
  // the breaker written with no announcement (as if its message were lost)
  await suite.redis.set(suite.h.engine.keys.breaker, JSON.stringify({ reason: 'unannounced' }));
  try {
    await waitFor(() => !view.open(), 2_000, 'the view to read the breaker');
    expect(view.shut()).toBe('breaker');
  } finally {
    await suite.redis.del(suite.h.engine.keys.breaker);
  }
  await waitFor(() => view.open(), 2_000, 'the view to open again');
});

it('a gate view whose subscription stops answering is not trusted, and subscribes again', async () => {
  const view = suite.h.engine.accountGate();
  await waitFor(() => view.listeningSince(Date.now()), 5_000, 'the notice channel');
  const seen = view as unknown as { subscriber: Redis };
  const sub = seen.subscriber;
  const since = Date.now();
  // a connection that died without closing: nothing answers on it any more
  const ping = sub.ping.bind(sub);
  (sub as unknown as { ping: () => Promise<never> }).ping = () => new Promise<never>(() => undefined);
  const reconnected = new Promise<void>((resolve) => sub.once('ready', () => resolve()));
  try {
    await waitFor(() => !view.listeningSince(since) && !view.open(), 3_000, 'the silent view to be distrusted');
    await reconnected;
  } finally {
    (sub as unknown as { ping: typeof ping }).ping = ping;
  }
  // connected again: listening from then on, not since before
  await waitFor(() => view.listeningSince(Date.now()) && view.open(), 3_000, 'the view to listen again');
  expect(view.listeningSince(since)).toBe(false);
});
