// Cancels the registrar may already have acted on, against the simulated
// registrar in its own process: the sim's own records and command log are the
// judges. A transfer pending at the registrar is cancelled there
// (TransferDomain ACTION=CANCEL) before the operation ends; one that ended
// before the cancel reached the registrar ends as the transfer did; one
// cancelled before its request sends nothing. A registration whose AddDomain
// got no reply ends as StatusDomain says, and is never sent again once
// cancelled. Below them, the scripts: begin-run's claim-first, fail-queued's
// compare-and-set.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { Registrar } from '../../src/registrar/client.ts';
import { uncertainOutcome } from '../../src/registrar/outcome.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { createHarness, fastPolicy, type Harness } from '../helpers/engine-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

let sim: SimProcess;
let h: Harness;
/** Workers a test started: closed after it, whatever its outcome (one left running would serve the next test). */
const workers: { close(): Promise<void> }[] = [];
const startWorker = () => {
  const w = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 4 });
  workers.push(w);
  return w;
};

const AUTH = SIM_DEFAULTS.foreignAuthCode;
const NAMES = ['cancel-pending.com', 'cancel-late.com', 'cancel-early.com', 'cancel-again.com', 'cancel-dies.com', 'cancel-redriven.com'];
let doubt: Harness;

interface DomainView {
  owner: string;
  transfers: { status: string; gaining: string }[];
}

async function domain(name: string): Promise<DomainView> {
  const res = await fetch(`${sim.admin}/domains/${name}`);
  expect(res.status).toBe(200);
  return (await res.json()) as DomainView;
}

/** Until the operation waits between status polls of its transfer (the request is at the registrar). */
async function pendingAtRegistrar(id: string): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const view = await h.engine.store.get(id, true);
    const polled = view?.history?.some((e) => e.command === 'StatusDomainTransfer' && e.code === 200) ?? false;
    if (polled && view?.status === 'waiting') return;
    if (Date.now() > until) throw new Error(`operation ${id} did not reach a pending transfer: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const transferCommands = async (name: string) => (await sim.log(`?domain=${name}`)).filter((e) => e.command === 'TransferDomain');

beforeAll(async () => {
  // Transfers stay pending for an hour of sim time unless someone moves the clock.
  sim = await startSimProcess(['--rate', '5000', '--transfer-seconds', '3600', '--taken', NAMES.join(',')]);
  // A dead worker's job is taken over after about 1.5 s.
  h = createHarness('xfer-cancel', { stallMs: 1_500 });
  // An unknown outcome waits 1.5 s exactly (no jitter below the base) before it is reconciled: time for a cancel to come.
  // A transfer times out after 800 ms of polls (it stays pending at the registrar).
  doubt = createHarness('doubt-cancel', { policy: fastPolicy({ uncertain: { baseMs: 1_500, capMs: 1_500 }, floorRatio: 1, transferDeadlineMs: 800 }) });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

afterAll(async () => {
  await h?.close();
  await doubt?.close();
  await sim?.stop();
});

it('cancels a transfer pending at the registrar there, then ends the operation cancelled', async () => {
  const worker = startWorker();
  const { operation } = await h.engine.store.submit({ type: 'transfer', domain: 'cancel-pending.com', period: 1, auth: AUTH });
  await pendingAtRegistrar(operation.id);
  expect((await domain('cancel-pending.com')).transfers.at(-1)?.status).toBe('pending');

  // The cancel is under way, not done: the registrar must hear of it first.
  const answered = await h.engine.store.cancel(operation.id);
  expect(['queued', 'waiting', 'running']).toContain(answered.status);
  const [view] = await h.waitAllFinal([operation.id], 10_000);
  await worker.close();

  expect(view).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', code: 0, step: 'checkTransfer' } });
  expect(view!.failure!.description).toMatch(/cancelled at the registrar \(transfer status clientCancelled\)/);
  // The registrar's side: the transfer is cancelled, the domain stays with its owner, nothing was transferred.
  const after = await domain('cancel-pending.com');
  expect(after.transfers.map((t) => t.status)).toEqual(['clientCancelled']);
  expect(after.owner).not.toBe(SIM_DEFAULTS.login);
  await sim.post('/clock', { advanceMs: 2 * 3600_000 });
  expect((await domain('cancel-pending.com')).owner).not.toBe(SIM_DEFAULTS.login);
  expect((await sim.effects())['cancel-pending.com']?.transferred ?? 0).toBe(0);
  // Two TransferDomain commands: the request and the cancel, which the history shows as its own step.
  expect((await transferCommands('cancel-pending.com')).map((e) => e.code)).toEqual([200, 200]);
  const history = await h.engine.store.history(operation.id);
  expect(history.filter((e) => e.command === 'TransferDomain').map((e) => [e.step, e.params?.ACTION])).toEqual([
    ['transferDomain', 'REQUEST'],
    ['cancelTransfer', 'CANCEL'],
  ]);
  // No cancel flag is left behind: the snapshot took it.
  expect(await h.engine.redis.exists(h.engine.keys.cancel(operation.id))).toBe(0);
});

it('ends as the transfer did when it was approved before the cancel reached the registrar', async () => {
  const first = startWorker();
  const { operation } = await h.engine.store.submit({ type: 'transfer', domain: 'cancel-late.com', period: 1, auth: AUTH });
  await pendingAtRegistrar(operation.id);
  await first.close();
  // The losing side's silence approves it while no worker runs; then a user cancels.
  await sim.post('/clock', { advanceMs: 2 * 3600_000 });
  expect((await domain('cancel-late.com')).owner).toBe(SIM_DEFAULTS.login);
  await h.engine.store.cancel(operation.id);

  const second = startWorker();
  const [view] = await h.waitAllFinal([operation.id], 10_000);
  await second.close();
  expect(view).toMatchObject({ status: 'succeeded', result: { transferStatus: 'serverApproved' } });
  // The cancel was sent and refused (534: nothing pending), and the status said how the transfer ended.
  const history = await h.engine.store.history(operation.id);
  const cancel = history.find((e) => e.step === 'cancelTransfer');
  expect(cancel).toMatchObject({ command: 'TransferDomain', code: 534 });
  expect(history.at(-1)).toMatchObject({ step: 'statusAfterCancel', command: 'StatusDomainTransfer', code: 200 });
  expect((await sim.effects())['cancel-late.com']?.transferred).toBe(1);
});

it('ends a transfer cancelled before its request at once, and sends nothing', async () => {
  const { operation } = await h.engine.store.submit({ type: 'transfer', domain: 'cancel-early.com', period: 1, auth: AUTH });
  const view = await h.engine.store.cancel(operation.id);
  expect(view).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', step: 'queued' } });
  const worker = startWorker();
  await new Promise((r) => setTimeout(r, 300));
  await worker.close();
  expect(await sim.log('?domain=cancel-early.com')).toEqual([]);
  expect((await domain('cancel-early.com')).transfers).toEqual([]);
});

it('takes a second cancel while cancelling as the same one, and a redrive requests the transfer again', async () => {
  const worker = startWorker();
  const { operation } = await h.engine.store.submit({ type: 'transfer', domain: 'cancel-again.com', period: 1, auth: AUTH });
  await pendingAtRegistrar(operation.id);
  await Promise.all([h.engine.store.cancel(operation.id), h.engine.store.cancel(operation.id)]);
  const [cancelled] = await h.waitAllFinal([operation.id], 10_000);
  expect(cancelled).toMatchObject({ status: 'cancelled' });
  expect((await transferCommands('cancel-again.com')).length).toBe(2);

  // Redriven, it starts over: a new request, pending again.
  await h.engine.store.retry(operation.id);
  await pendingAtRegistrar(operation.id);
  await worker.close();
  expect((await domain('cancel-again.com')).transfers.map((t) => t.status)).toEqual(['clientCancelled', 'pending']);
});

it('a worker that dies after sending the cancel leaves it to the next one, which reads the outcome back instead of sending it again', async () => {
  // A second process on the same prefix whose worker dies the moment its cancel reached the registrar.
  const dying = new Engine({ ...h.engine.options });
  const real = h.client(sim.url);
  let cancelSent!: () => void;
  const sent = new Promise<void>((resolve) => (cancelSent = resolve));
  const hanging: Registrar = {
    async call(command) {
      const outcome = await real.call(command);
      if (command.ACTION !== 'CANCEL') return outcome;
      cancelSent();
      return new Promise(() => undefined);
    },
    close: () => real.close(),
  };
  dying.startWorker({ registrar: hanging, concurrency: 2 });
  const { operation } = await h.engine.store.submit({ type: 'transfer', domain: 'cancel-dies.com', period: 1, auth: AUTH });
  await pendingAtRegistrar(operation.id);
  await h.engine.store.cancel(operation.id);
  await sent;
  dying.disconnect();

  // Its lock runs out; a live worker takes the job over, finds the cancel in flight and asks the registrar.
  startWorker();
  const [view] = await h.waitAllFinal([operation.id], 20_000);
  expect(view).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', step: 'checkTransfer' } });
  expect((await transferCommands('cancel-dies.com')).map((e) => e.code)).toEqual([200, 200]);
  const history = await h.engine.store.history(operation.id);
  const tail = history.slice(history.findIndex((e) => e.step === 'cancelTransfer'));
  expect(tail.map((e) => [e.step, e.command, e.code])).toEqual([['cancelTransfer', 'TransferDomain', 421], ['statusAfterCancel', 'StatusDomainTransfer', 200]]);
  expect((await domain('cancel-dies.com')).transfers.map((t) => t.status)).toEqual(['clientCancelled']);
});

/** The sim's client, except that AddDomain's reply is lost: after the registrar ran it (`applied`) or before it reached it. */
function losingAddDomain(applied: boolean): Registrar {
  const real = doubt.client(sim.url);
  return {
    async call(command) {
      if (command.COMMAND !== 'AddDomain') return real.call(command);
      if (applied) await real.call(command);
      return uncertainOutcome('timeout', 'reply lost (test)', 1);
    },
    close: () => real.close(),
  };
}

function startDoubtWorker(registrar: Registrar = doubt.client(sim.url)) {
  const worker = doubt.engine.startWorker({ registrar, concurrency: 2 });
  workers.push(worker);
  return worker;
}

async function cancelWhileInDoubt(domain: string, applied: boolean) {
  startDoubtWorker(losingAddDomain(applied));
  const { operation } = await doubt.engine.store.submit({ type: 'register', domain, period: 1 });
  const until = Date.now() + 10_000;
  while (!(await doubt.engine.store.history(operation.id)).some((e) => e.command === 'AddDomain')) {
    if (Date.now() > until) throw new Error('AddDomain was not sent');
    await new Promise((r) => setTimeout(r, 20));
  }
  const answered = await doubt.engine.store.cancel(operation.id);
  expect(answered.status).not.toBe('cancelled');
  const [view] = await doubt.waitAllFinal([operation.id], 15_000);
  const sent = (await sim.log(`?domain=${domain}`)).map((e) => e.command);
  expect(await doubt.engine.redis.exists(doubt.engine.keys.cancel(operation.id))).toBe(0);
  return { view: view!, sent, history: await doubt.engine.store.history(operation.id) };
}

it('a registration cancelled while its AddDomain has no reply ends as the registrar says: registered, it succeeded', async () => {
  const { view, sent, history } = await cancelWhileInDoubt('doubt-applied.com', true);
  expect(view).toMatchObject({ status: 'succeeded', result: { reconciled: true } });
  expect(sent).toEqual(['CheckDomain', 'AddDomain', 'StatusDomain']);
  expect(history.map((e) => e.step)).toEqual(['checkDomain', 'addDomain', 'reconcileAdd']);
  expect((await sim.effects())['doubt-applied.com']?.registered).toBe(1);
});

it('a registration cancelled while its AddDomain has no reply, which the registrar never ran, ends cancelled without sending it again', async () => {
  const { view, sent } = await cancelWhileInDoubt('doubt-lost.com', false);
  expect(view).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', step: 'addDomain' } });
  expect(view.failure!.description).toBe('cancelled: by a user, before the registrar carried out addDomain');
  // the registrar saw the check and the status read, never an AddDomain
  expect(sent).toEqual(['CheckDomain', 'StatusDomain']);
  expect((await sim.effects())['doubt-lost.com']).toBeUndefined();
});

it('a redriven transfer that is queued again, its transfer still pending at the registrar, is cancelled there too', async () => {
  const first = doubt.engine.startWorker({ registrar: doubt.client(sim.url), concurrency: 2 });
  workers.push(first);
  const { operation } = await doubt.engine.store.submit({ type: 'transfer', domain: 'cancel-redriven.com', period: 1, auth: AUTH });
  const [timedOut] = await doubt.waitAllFinal([operation.id], 10_000);
  expect(timedOut).toMatchObject({ status: 'failed', failure: { type: 'transfer_timed_out', step: 'pollTransfer' } });
  await first.close();
  // Redriven with no worker running: queued, to start at pollTransfer; the transfer is still pending there.
  await doubt.engine.store.retry(operation.id);
  const answered = await doubt.engine.store.cancel(operation.id);
  expect(answered.status).toBe('queued');
  startDoubtWorker();
  const [view] = await doubt.waitAllFinal([operation.id], 10_000);
  expect(view).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', step: 'checkTransfer' } });
  expect((await transferCommands('cancel-redriven.com')).map((e) => e.code)).toEqual([200, 200]);
  expect((await domain('cancel-redriven.com')).transfers.map((t) => t.status)).toEqual(['clientCancelled']);
});

it('fail-queued ends a queued operation only while its data, and the count of its runs started, are what the cancel decided on', async () => {
  const k = doubt.engine.keys;
  const { operation } = await doubt.engine.store.submit({ type: 'register', domain: 'cas-cancel.com', period: 1 });
  const raw = (await doubt.engine.redis.hget(k.job(operation.id), 'data'))!;
  const fail = (expected: string, runs = '') =>
    doubt.engine.redis.failQueued(k.job(operation.id), k.bull('wait'), k.bull('paused'), k.bull('delayed'), k.bull('prioritized'), k.bull('failed'), k.bull('events'), operation.id, '{"failure":{"type":"cancelled"}}', expected, runs);
  expect(await fail(`${raw} `)).toBe(-1);
  // a run started since the cancel looked (it may have sent its first effect with nothing written)
  expect(await fail(raw, '1')).toBe(-1);
  expect((await doubt.engine.store.get(operation.id, false))?.status).toBe('queued');
  expect(await fail(raw, '0')).toBe(1);
  expect((await doubt.engine.store.get(operation.id, false))?.status).toBe('cancelled');
});

it('begin-run tells a run of its cancel at once, or, when the cancel needs commands, once the run owns its domain', async () => {
  const k = h.engine.keys;
  const r = h.engine.redis;
  const begin = async (id: string, claimFirst: '0' | '1') => {
    const domain = `${id}.com`;
    return h.engine.redis.beginRun(k.domainLock(domain), k.domainQueue(domain), k.jobLock(id), k.cancel(id), k.breaker, k.lockPause, id, k.jobPrefix, Date.now(), 'tok', claimFirst, k.noticeChannel);
  };
  for (const id of ['br-a', 'br-b']) {
    await r.hset(k.job(id), 'data', '{}');
    await r.set(k.jobLock(id), 'tok');
    await r.set(k.cancel(id), '1');
    // another live operation holds the domain
    await r.hset(k.job(`${id}-owner`), 'data', '{}');
    await r.set(k.domainLock(`${id}.com`), `${id}-owner`, 'PX', 60_000);
  }
  expect((await begin('br-a', '0'))[0]).toBe(5);
  expect((await begin('br-b', '1'))[0]).toBe(6);
  expect(await r.zrange(k.domainQueue('br-b.com'), 0, -1)).toEqual(['br-b']);
  // the owner ended: the run owns the domain now, and hears of the cancel
  await r.hset(k.job('br-b-owner'), 'finishedOn', Date.now());
  expect((await begin('br-b', '1'))[0]).toBe(5);
  expect(await r.get(k.domainLock('br-b.com'))).toBe('br-b');
  // the breaker does not hide a cancel: it is the operation's own
  await r.set(k.breaker, JSON.stringify({ reason: 'test' }));
  expect((await begin('br-b', '1'))[0]).toBe(5);
  await r.del(k.breaker, k.cancel('br-b'));
  expect((await begin('br-b', '1'))[0]).toBe(0);
});
