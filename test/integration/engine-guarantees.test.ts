// What the engine promises beyond a single operation: one operation a domain at a
// time (checked from the registrar's own command log), idempotency keys, history,
// cancel, redrive by reason, and no auth code in clear anywhere in Redis.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SubmitSpec } from '../../src/engine/store.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { createHarness, REDIS_URL, waitFor, type Harness } from '../helpers/engine-harness.ts';
import { redisText } from '../helpers/redis-text.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

let sim: SimProcess;
let h: Harness;

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000', '--latency-ms', '5', '--transfer-seconds', '1', '--taken', 'guarantee-xfer.com']);
  h = createHarness('guarantees');
});

afterAll(async () => {
  await h?.close();
  await sim?.stop();
});

it('runs operations on the same domain one after another, in submission order', async () => {
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 8 });
  const domains = ['same-a.com', 'same-b.com', 'same-c.com'];
  const specs: SubmitSpec[] = [];
  for (const domain of domains) {
    specs.push({ type: 'register', domain, period: 1 }, { type: 'renew', domain, period: 1 }, { type: 'renew', domain, period: 2 }, { type: 'delete', domain });
  }
  // interleave the domains so that the same domain's operations sit next to other work
  const order = [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11].map((i) => specs[i]!);
  const ids: string[] = [];
  for (const spec of order) ids.push((await h.engine.store.submit(spec)).operation.id);
  const views = await h.waitAllFinal(ids, 30_000);
  expect(views.map((v) => v.status)).toEqual(order.map(() => 'succeeded'));

  for (const domain of domains) {
    const log = (await sim.log(`?domain=${domain}`)).sort((a, b) => a.start - b.start);
    const mine = views.filter((v) => v.domain === domain);
    const histories = await Promise.all(mine.map((v) => h.engine.store.history(v.id)));
    // The registrar saw each operation's commands as one uninterrupted run, in submission order.
    expect(log.map((e) => e.command)).toEqual(histories.flat().map((e) => e.command));
    let i = 0;
    for (const history of histories) {
      const run = log.slice(i, i + history.length);
      i += history.length;
      const next = log[i];
      if (next) expect(next.start).toBeGreaterThanOrEqual(run.at(-1)!.end);
    }
    expect(log.map((e) => e.command)).toEqual(['CheckDomain', 'AddDomain', 'StatusDomain', 'RenewDomain', 'StatusDomain', 'RenewDomain', 'DeleteDomain']);
  }
  await worker.close();
});

it('keeps submission order for one domain within a batch (submitted in one millisecond), and runs them in it', async () => {
  const k = h.engine.keys;
  const specs: SubmitSpec[] = [];
  for (let i = 0; i < 6; i++) specs.push({ type: 'renew', domain: 'batch-order.com', period: 1 });
  const batch = await h.engine.store.submitMany([{ type: 'register', domain: 'batch-order.com', period: 1 }, ...specs, { type: 'delete', domain: 'batch-order.com' }]);
  // the first owns the domain; the rest wait in the order given (not in the order of their ids)
  expect(await h.engine.domains.owner('batch-order.com')).toBe(batch[0]!.id);
  expect(await h.engine.redis.zrange(k.domainQueue('batch-order.com'), 0, -1)).toEqual(batch.slice(1).map((v) => v.id));
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 8 });
  const views = await h.waitAllFinal(
    batch.map((v) => v.id),
    30_000,
  );
  await worker.close();
  expect(views.map((v) => v.status)).toEqual(batch.map(() => 'succeeded'));
  const changes = (await sim.log('?domain=batch-order.com')).filter((e) => e.command !== 'StatusDomain' && e.command !== 'CheckDomain').map((e) => e.command);
  expect(changes).toEqual(['AddDomain', ...specs.map(() => 'RenewDomain'), 'DeleteDomain']);
});

it('a waiter whose job is still being added keeps its place when the owner ends; one whose submission failed long ago does not', async () => {
  const k = h.engine.keys;
  const domain = 'pending-order.com';
  // claimed as a batch is: the jobs come after the claims (none is added here)
  expect(await h.engine.domains.claimForSubmission(['pend-a', 'pend-b', 'pend-c'].map((id) => ({ domain, id })))).toEqual([true, false, false]);
  // and one that waited since two minutes ago without a job ever coming
  await h.engine.redis.zadd(k.domainQueue(domain), Date.now() - 120_000, 'pend-gone');
  await h.engine.domains.release(domain, 'pend-a');
  expect(await h.engine.domains.owner(domain)).toBe('pend-b');
  expect(await h.engine.redis.zrange(k.domainQueue(domain), 0, -1)).toEqual(['pend-c']);
});

it('maps one idempotency key to one operation however often it is submitted', async () => {
  const jobs = async () => Object.values(await h.engine.queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed')).reduce((x, y) => x + y, 0);
  const before = await jobs();
  const a = await h.engine.store.submit({ type: 'register', domain: 'idem-1.com', period: 1, key: 'order-42' });
  const b = await h.engine.store.submit({ type: 'register', domain: 'idem-1.com', period: 1, key: 'order-42' });
  const c = await h.engine.store.submit({ type: 'register', domain: 'idem-1.com', key: 'order-42' });
  expect(a.created).toBe(true);
  expect([b.created, c.created]).toEqual([false, false]);
  expect(new Set([a.operation.id, b.operation.id, c.operation.id]).size).toBe(1);
  // the key names that request: another one with it is refused, not answered with this operation
  await expect(h.engine.store.submit({ type: 'register', domain: 'idem-other.com', period: 3, key: 'order-42' })).rejects.toMatchObject({ name: 'ConflictError', field: 'key' });
  // two submissions racing with one key for different domains: one is the operation, the other is refused
  const raced = await Promise.allSettled(['idem-race-a.com', 'idem-race-b.com'].map((domain) => h.engine.store.submit({ type: 'register', domain, period: 1, key: 'order-race' })));
  const won = raced.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  expect(won).toHaveLength(1);
  expect(raced.find((r) => r.status === 'rejected')).toMatchObject({ reason: { name: 'ConflictError', field: 'key' } });
  expect((await h.engine.store.get(won[0]!.operation.id, false))?.domain).toBe(won[0]!.operation.domain);
  await h.engine.store.cancel(won[0]!.operation.id);
  await expect(h.engine.store.submit({ type: 'renew', domain: 'idem-1.com', period: 1, key: 'order-42' })).rejects.toThrow(/^key "order-42" already names op_\S+ \(register idem-1\.com for 1 year\(s\)\), not renew idem-1\.com/);
  // two jobs: the keyed operation and the race's winner
  expect((await jobs()) - before).toBe(2);
  await h.engine.store.cancel(a.operation.id);
});

it('cancels queued and waiting operations, and refuses to cancel an ended one', async () => {
  const queued = await h.engine.store.submit({ type: 'register', domain: 'cancel-1.com', period: 1 });
  const cancelled = await h.engine.store.cancel(queued.operation.id);
  expect(cancelled).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', code: 0 } });
  await expect(h.engine.store.cancel(queued.operation.id)).rejects.toThrow(/already ended/);

  // an operation waiting out a 4xx backoff (every command fails until the faults stop)
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 2 });
  await sim.post('/faults', { tempFailRate: 1 });
  const waiting = await h.engine.store.submit({ type: 'register', domain: 'cancel-2.com', period: 1 });
  try {
    await waitFor(async () => (await h.engine.store.get(waiting.operation.id, false))?.status === 'waiting', 5_000, 'a wait after a 4xx');
    await h.engine.store.cancel(waiting.operation.id);
    const [stopped] = await h.waitAllFinal([waiting.operation.id], 5_000);
    expect(stopped).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', code: 0 } });
  } finally {
    await sim.post('/faults', { tempFailRate: 0 });
  }
  // once the faults stop, past its longest backoff: nothing more is sent for it
  const sent = (await sim.log('?domain=cancel-2.com')).map((e) => e.command);
  await new Promise((r) => setTimeout(r, 500));
  expect((await sim.log('?domain=cancel-2.com')).map((e) => e.command)).toEqual(sent);
  expect(new Set(sent)).toEqual(new Set(['CheckDomain']));

  // a transfer with a wrong auth code fails at its request, and cannot be cancelled once failed
  const xfer = await h.engine.store.submit({ type: 'transfer', domain: 'guarantee-xfer.com', period: 1, auth: 'wrong-code' });
  const [ended] = await h.waitAllFinal([xfer.operation.id], 10_000);
  expect(ended!.failure?.type).toBe('transfer_auth_invalid');
  await expect(h.engine.store.cancel(xfer.operation.id)).rejects.toThrow(/already ended \(failed\)/);
  await worker.close();
});

it('records every command in the history with code, time and attempt, and keeps auth codes out of Redis', async () => {
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 2 });
  // Every command fails (4xx) until the first step has been tried twice, then the faults stop.
  await sim.post('/faults', { tempFailRate: 1 });
  const op = await h.engine.store.submit({ type: 'transfer', domain: 'example.org', period: 1, auth: SIM_DEFAULTS.foreignAuthCode });
  const until = Date.now() + 10_000;
  while ((await h.engine.store.history(op.operation.id)).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  await sim.post('/faults', { tempFailRate: 0 });
  const [view] = await h.waitAllFinal([op.operation.id], 20_000);
  await worker.close();
  expect(view!.status).toBe('succeeded');
  const full = await h.engine.store.get(op.operation.id, true);
  const history = full!.history!;
  expect(history.length).toBeGreaterThanOrEqual(3);
  for (const entry of history) {
    expect(entry).toMatchObject({ command: expect.any(String), step: expect.any(String), code: expect.any(Number), description: expect.any(String) });
    expect(entry.ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(entry.at)).not.toBeNaN();
  }
  expect(history.some((e) => e.code >= 420 && e.code <= 423 && e.attempt === 1)).toBe(true);
  expect(history.some((e) => e.attempt > 1)).toBe(true);
  const transfer = history.find((e) => e.command === 'TransferDomain' && e.code === 200)!;
  expect(transfer.params?.AUTH).toBe('***');

  // Nothing under the prefix holds the auth code in clear: job data, history, anything.
  const all = await redisText(REDIS_URL, h.prefix);
  expect(all).toContain('example.org');
  expect(all).not.toContain(SIM_DEFAULTS.foreignAuthCode);
  expect(JSON.stringify(full)).not.toContain(SIM_DEFAULTS.foreignAuthCode);
});

it('redrives failed operations by failure type', async () => {
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 4 });
  await sim.post('/credit', { account: 'demo', amount: 0 });
  const first = await h.engine.store.submit({ type: 'register', domain: 'redrive-1.com', period: 1 });
  const [failed] = await h.waitAllFinal([first.operation.id], 10_000);
  expect(failed!.failure).toMatchObject({ type: 'credit_limit_exceeded', step: 'addDomain' });
  await sim.post('/credit', { account: 'demo', amount: 1000 });
  await h.engine.account.resume();
  const redriven = await h.engine.store.retryMany({ reason: 'credit_limit_exceeded' });
  expect(redriven.map((r) => r.id)).toEqual([first.operation.id]);
  const [done] = await h.waitAllFinal([first.operation.id], 10_000);
  expect(done!.status).toBe('succeeded');
  // redriven from the failed step: AddDomain again, no second CheckDomain
  expect((await h.engine.store.history(first.operation.id)).map((e) => `${e.command} ${e.code}`)).toEqual(['CheckDomain 210', 'AddDomain 546', 'AddDomain 200']);
  await worker.close();
});

it('lists a failure the queue itself recorded as engine_error, a type of the catalogue', async () => {
  const { failureInfo } = await import('../../machines/failures.ts');
  const { parseFailedReason } = await import('../../src/engine/store.ts');
  const parsed = parseFailedReason('job stalled more than allowable limit');
  expect(parsed?.failure).toMatchObject({ type: 'engine_error', description: 'job stalled more than allowable limit' });
  expect(failureInfo('engine_error')?.source).toBe('engine');
  expect(parseFailedReason(JSON.stringify({ failure: { type: 'cancelled', code: 0, description: 'x', step: 'queued' } }))?.failure.type).toBe('cancelled');
});
