// An operation's first run sends its first effect without a checkpoint of its
// own (first-run.ts): BullMQ counted the run as it gave the worker the
// job, so a later run that finds that one lost with nothing written resumes at
// the effect, its outcome unknown, and the registrar says what happened. What
// the checkpoint would check in Redis besides comes from the process's gate view
// and the account's notices (a cancel, an operation waiting for the domain).
// Real Redis, the simulated registrar over HTTP; a lost run is a worker process
// killed (SIGKILL) while a proxy holds its registrar call.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import type { Registrar } from '../../src/registrar/client.ts';
import { flattenCommand } from '../../src/registrar/request.ts';
import { waitFor, type Harness } from '../helpers/engine-harness.ts';
import { engineSimSuite } from '../helpers/engine-sim-suite.ts';
import { processesPerTest } from '../helpers/test-processes.ts';

const suite = engineSimSuite('first-run', ['--rate', '5000', '--latency-ms', '2', '--taken', 'lost-taken.com']);

const processes = processesPerTest();

/** A harness whose job locks last a second: a lost run's job is taken over soon after. */
function quickStall(name: string): Harness {
  return processes.harness(name, { stallMs: 1_000 });
}

/**
 * An HTTP proxy to the sim that never answers `command`: sends it on first (`forward`) or not at
 * all. `reached` resolves once the command came. Everything else passes through.
 */
async function stallingProxy(target: string, command: string, forward: boolean): Promise<{ url: string; reached: Promise<void>; close(): Promise<void> }> {
  let reach!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const send = () => fetch(target + (req.url ?? '/'), { method: req.method ?? 'POST', headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' }, body });
      const text = decodeURIComponent(body.toString().replace(/\+/g, ' '));
      if (new RegExp(`command\\s*=\\s*${command}\\b`, 'i').test(text)) {
        held.push(res);
        void (forward ? send().then((r) => r.arrayBuffer()) : Promise.resolve()).then(() => reach());
        return;
      }
      void send().then(async (r) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' });
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reached,
    close: () =>
      new Promise<void>((r) => {
        for (const res of held) res.destroy();
        server.close(() => r());
      }),
  };
}

const commandsOf = async (domain: string) => (await suite.sim.log(`?domain=${domain}`)).map((e) => `${e.command} ${e.code}`);

/**
 * Submit (`submit`, once the worker process listens to the account's channels, as a first run
 * needs) to a worker process whose registrar never answers `command`, and kill it (SIGKILL) once
 * it sent it (`forward`) or tried to.
 */
async function killedAt<T>(h: Harness, command: string, forward: boolean, submit: () => Promise<T>): Promise<T> {
  const proxy = await stallingProxy(suite.sim.url, command, forward);
  try {
    // (this process's own gate view may listen too: the worker is one more)
    const listeners = async () => ((await suite.redis.pubsub('NUMSUB', h.engine.keys.noticeChannel)) as [string, number])[1];
    const before = await listeners();
    const child = processes.worker(h.prefix, proxy.url, { DOMAINFLOW_STALL_MS: '1000' }, 1);
    await waitFor(async () => (await listeners()) > before, 10_000, 'the worker to listen');
    // its gate view reads the gate once subscribed
    await new Promise((r) => setTimeout(r, 300));
    const submitted = await submit();
    await proxy.reached;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    return submitted;
  } finally {
    await proxy.close();
  }
}

/** The job as submitted: no checkpoint, no history list, one run counted. */
async function asSubmitted(h: Harness, id: string): Promise<void> {
  const data = JSON.parse((await suite.redis.hget(h.engine.keys.job(id), 'data'))!) as Record<string, unknown>;
  expect(data).toMatchObject({ o: 1 });
  expect(data['snap'] ?? data['fl']).toBeUndefined();
  expect(await suite.redis.llen(h.engine.keys.history(id))).toBe(0);
  expect(await suite.redis.hget(h.engine.keys.job(id), 'ats')).toBe('1');
}

it('a first run killed after sending AddDomain, having written nothing, is resumed at it: the registration is found, not made twice', async () => {
  const h = quickStall('first-run-lost-after');
  const { operation } = await killedAt(h, 'AddDomain', true, () => h.engine.store.submit({ type: 'register', domain: 'lost-after.com', period: 1 }));
  // AddDomain went out with nothing in Redis saying so
  await asSubmitted(h, operation.id);
  const second = h.engine.startWorker({ registrar: h.client(suite.sim.url), concurrency: 1 });
  const [done] = await h.waitAllFinal([operation.id], 15_000);
  await second.close();
  expect(done).toMatchObject({ status: 'succeeded', result: { reconciled: true } });
  // the second run asked the registrar whether the domain is ours (recheckAdd): it is
  expect((await h.engine.store.history(operation.id)).map((e) => [e.command, e.step, e.code])).toEqual([['StatusDomain', 'recheckAdd', 200]]);
  expect(await commandsOf('lost-after.com')).toEqual(['CheckDomain 210', 'AddDomain 200', 'StatusDomain 200']);
  expect((await suite.sim.effects())['lost-after.com']).toMatchObject({ registered: 1 });
});

it.each([
  ['lost-before.com', 'succeeded', undefined, ['StatusDomain 545', 'CheckDomain 210', 'AddDomain 200'], 1],
  // a taken name fails as a fresh run would have failed it
  ['lost-taken.com', 'failed', 'domain_not_available', ['StatusDomain 545', 'CheckDomain 211'], 0],
])('a first run killed before its first effect (%s): the next run cannot tell, asks the registrar, and goes on as from the start', async (domain, status, failure, commands, registered) => {
  const h = quickStall(`first-run-lost-before-${registered}`);
  const { operation } = await killedAt(h, 'CheckDomain', false, () => h.engine.store.submit({ type: 'register', domain, period: 1 }));
  await asSubmitted(h, operation.id);
  const second = h.engine.startWorker({ registrar: h.client(suite.sim.url), concurrency: 1 });
  const [done] = await h.waitAllFinal([operation.id], 15_000);
  await second.close();
  expect(done!.status).toBe(status);
  expect(done!.failure?.type).toBe(failure);
  expect(await commandsOf(domain)).toEqual(commands);
  expect((await suite.sim.effects())[domain]?.registered ?? 0).toBe(registered);
});

it('a delete whose first run was killed after DeleteDomain went out is resumed at it, its outcome unknown: found done, not sent again', async () => {
  const h = quickStall('first-run-lost-delete');
  const worker = h.engine.startWorker({ registrar: h.client(suite.sim.url), concurrency: 1 });
  const reg = await h.engine.store.submit({ type: 'register', domain: 'lost-delete.com', period: 1 });
  await h.waitAllFinal([reg.operation.id], 10_000);
  await worker.close();
  const { operation } = await killedAt(h, 'DeleteDomain', true, () => h.engine.store.submit({ type: 'delete', domain: 'lost-delete.com' }));
  await asSubmitted(h, operation.id);
  const second = h.engine.startWorker({ registrar: h.client(suite.sim.url), concurrency: 1 });
  const [done] = await h.waitAllFinal([operation.id], 15_000);
  await second.close();
  expect(done).toMatchObject({ status: 'succeeded', result: { reconciled: true } });
  expect((await h.engine.store.history(operation.id)).map((e) => [e.command, e.uncertain])).toEqual([
    ['DeleteDomain', 'worker_lost'],
    ['StatusDomain', undefined],
  ]);
  expect((await commandsOf('lost-delete.com')).slice(-2)).toEqual(['DeleteDomain 200', 'StatusDomain 545']);
  expect((await suite.sim.effects())['lost-delete.com']).toMatchObject({ deleted: 1 });
});

it('a cancel of an operation whose first run was lost goes through a run: it ends as the registrar says', async () => {
  const h = quickStall('first-run-lost-cancel');
  const { operation } = await killedAt(h, 'AddDomain', true, () => h.engine.store.submit({ type: 'register', domain: 'lost-cancel.com', period: 1 }));
  await asSubmitted(h, operation.id);
  // A worker's stall check puts the job back, as submitted (the queue paused: it stays there)
  await h.engine.queue.pause();
  const worker = h.engine.startWorker({ registrar: h.client(suite.sim.url), concurrency: 1 });
  await waitFor(async () => (await h.engine.queue.getJobState(operation.id)) !== 'active', 10_000, 'the lost job back in the queue');
  // no worker holds it, yet it is not ended at once as cancelled: the registrar may have acted
  const view = await h.engine.store.cancel(operation.id);
  expect(view.status).not.toBe('cancelled');
  await h.engine.queue.resume();
  const [done] = await h.waitAllFinal([operation.id], 15_000);
  await worker.close();
  // the registration it sent happened: the operation says so
  expect(done).toMatchObject({ status: 'succeeded', result: { reconciled: true } });
  expect((await suite.sim.effects())['lost-cancel.com']).toMatchObject({ registered: 1 });
});

it('a cancel that comes while a first run reads sends its effect through a checkpoint, which takes the cancel: nothing is registered', async () => {
  // a long lock: the run's command is well within its time however slowly this machine goes
  const h = processes.harness('first-run-cancel', { stallMs: 30_000 });
  const { operation } = await h.engine.store.submit({ type: 'register', domain: 'cancel-first.com', period: 1 });
  const inner = h.client(suite.sim.url);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reading!: () => void;
  const read = new Promise<void>((r) => (reading = r));
  const slowCheck: Registrar = {
    async call(input, options) {
      if (flattenCommand(input).COMMAND === 'CheckDomain') {
        reading();
        await released;
      }
      return inner.call(input, options);
    },
    close: () => inner.close(),
  };
  const worker = h.engine.startWorker({ registrar: slowCheck, concurrency: 1 });
  await read;
  await h.engine.store.cancel(operation.id);
  await waitFor(() => h.engine.accountGate().notices.cancelled(operation.id), 2_000, 'the cancel notice');
  release();
  const [done] = await h.waitAllFinal([operation.id], 10_000);
  await worker.close();
  expect(done!.status).toBe('cancelled');
  expect(await commandsOf('cancel-first.com')).toEqual(['CheckDomain 210']);
});

it('an operation waiting for the domain is heard of: the first run hands the domain on as it ends', async () => {
  const h = quickStall('first-run-waiter');
  let handedOn = 0;
  const redis = h.engine.redis;
  const finishRun = redis.finishRun.bind(redis);
  redis.finishRun = (...args: Parameters<typeof finishRun>) => {
    handedOn++;
    return finishRun(...args);
  };
  const view = h.engine.accountGate();
  await waitFor(() => view.listeningSince(Date.now()), 2_000, 'the notice channel');
  // alone on its domain: nobody to hand it to
  const [alone] = await h.engine.store.submitMany([{ type: 'register', domain: 'waiter-none.com', period: 1 }]);
  // a batch of two on one domain: the second waits, and says so as it claims
  const [register, renew] = await h.engine.store.submitMany([
    { type: 'register', domain: 'waiter-heard.com', period: 1 },
    { type: 'renew', domain: 'waiter-heard.com', period: 1 },
  ]);
  await waitFor(() => view.notices.waitedFor(register!.id), 2_000, 'the waiter notice');
  expect(view.notices.waitedFor(alone!.id)).toBe(false);
  const worker = h.engine.startWorker({ registrar: h.client(suite.sim.url), concurrency: 2 });
  const done = await h.waitAllFinal([alone!.id, register!.id, renew!.id], 10_000);
  await worker.close();
  expect(done.map((v) => v.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  // the register of the batch handed its domain to the renew; the lone register had nobody
  expect(handedOn).toBe(1);
  expect(await commandsOf('waiter-heard.com')).toEqual(['CheckDomain 210', 'AddDomain 200', 'StatusDomain 200', 'RenewDomain 200']);
});

it('a first effect goes through a checkpoint when the run needs what it read before', async () => {
  const h = quickStall('first-run-checkpointed');
  const worker = h.engine.startWorker({ registrar: h.client(suite.sim.url), concurrency: 2 });
  const view = h.engine.accountGate();
  await waitFor(() => view.open(), 2_000, 'the gate view');
  // a renew with its expiration given starts at RenewDomain: no checkpoint, its lines come with its end
  const reg = await h.engine.store.submit({ type: 'register', domain: 'checkpointed.com', period: 1 });
  const [registered] = await h.waitAllFinal([reg.operation.id], 10_000);
  expect(await suite.redis.llen(h.engine.keys.history(reg.operation.id))).toBe(0);
  const year = String(registered!.result!['expirationDate']).slice(0, 4);
  const given = await h.engine.store.submit({ type: 'renew', domain: 'checkpointed.com', period: 1, expiration: `${year}-01-01` });
  await h.waitAllFinal([given.operation.id], 10_000);
  expect(await suite.redis.llen(h.engine.keys.history(given.operation.id))).toBe(0);
  // without it, RenewDomain rests on the date read first: the checkpoint writes that read's line
  const read = await h.engine.store.submit({ type: 'renew', domain: 'checkpointed.com', period: 1 });
  const [renewed] = await h.waitAllFinal([read.operation.id], 10_000);
  expect(renewed!.status).toBe('succeeded');
  expect((await suite.redis.lrange(h.engine.keys.history(read.operation.id), 0, -1)).map((l) => (JSON.parse(l) as { command: string }).command)).toEqual(['StatusDomain']);
  await worker.close();
});

it('with a rate limit (the slot checks the gate in Redis), a first effect goes without a checkpoint only while the process hears the notice channel', async () => {
  const h = processes.harness('first-run-limited', { rateLimit: 1000, stallMs: 5_000 });
  const worker = h.engine.startWorker({ registrar: h.client(suite.sim.url), concurrency: 1 });
  const view = h.engine.accountGate();
  await waitFor(() => view.listeningSince(Date.now()), 2_000, 'the notice channel');
  const heard = await h.engine.store.submit({ type: 'register', domain: 'limited-heard.com', period: 1 });
  await h.waitAllFinal([heard.operation.id], 10_000);
  expect(await suite.redis.llen(h.engine.keys.history(heard.operation.id))).toBe(0);
  // not listening (the gate itself is not asked of the view: the rate slot passed it)
  await view.close();
  const deaf = await h.engine.store.submit({ type: 'register', domain: 'limited-deaf.com', period: 1 });
  const [deafDone] = await h.waitAllFinal([deaf.operation.id], 10_000);
  await worker.close();
  expect(deafDone!.status).toBe('succeeded');
  // the checkpoint before AddDomain wrote CheckDomain's line
  expect(await suite.redis.llen(h.engine.keys.history(deaf.operation.id))).toBe(1);
});
