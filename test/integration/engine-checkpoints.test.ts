// Checkpoints: they refer to the backoff policy instead of carrying it, those of
// one moment share a round trip (each written or refused on its own), they carry
// any text, a cancel is taken at one, and the domain owner's expiry is renewed
// only when due.
// Real Redis, the simulated registrar over HTTP.
import { expect, it, vi } from 'vitest';
import { Checkpointer } from '../../src/engine/checkpointer.ts';
import { OWNER_TTL_MS } from '../../src/engine/lua/run.ts';
import { PolicyRefs } from '../../src/engine/policy-refs.ts';
import type { EngineRedis } from '../../src/engine/scripts.ts';
import { silentLogger } from '../../src/registrar/mask.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { createHarness, fastPolicy, waitFor } from '../helpers/engine-harness.ts';
import { engineSimSuite } from '../helpers/engine-sim-suite.ts';

const suite = engineSimSuite('checkpoints', ['--rate', '5000', '--latency-ms', '2', '--transfer-seconds', '3600', '--taken', 'fast-xfer.com']);

it('checkpoints refer to the backoff policy once it is stored, and any process restores them', async () => {
  const mine = new PolicyRefs(suite.redis, suite.h.engine.keys, fastPolicy());
  const snap = { status: 'active', value: 'addDomain', context: { domain: 'x.com', policy: mine.policy } };
  // not stored yet: the checkpoint carries the policy whole
  expect(mine.compact(snap)).toBe(snap);
  expect(await mine.save()).toBe(true);
  const written = JSON.parse(JSON.stringify(mine.compact(snap))) as typeof snap;
  expect(written.context.policy).toBe(`@${mine.ref}`);
  expect(JSON.stringify(written).length).toBeLessThan(JSON.stringify(snap).length / 2);
  expect((await mine.expand(written)).context.policy).toBe(mine.policy);
  // another process, started with another policy, restores it from Redis
  const theirs = new PolicyRefs(suite.redis, suite.h.engine.keys, fastPolicy({ maxAttempts: 3 }));
  expect(theirs.ref).not.toBe(mine.ref);
  expect((await theirs.expand(written)).context.policy).toEqual(mine.policy);
  expect(theirs.compact({ ...snap, context: { ...snap.context, policy: mine.policy } }).context.policy).toBe(mine.policy);
  // a policy gone from Redis: the operation goes on with this process's policy, and the log says so
  const warnings: unknown[][] = [];
  const logged = new PolicyRefs(suite.redis, suite.h.engine.keys, fastPolicy({ maxAttempts: 4 }), { ...silentLogger, warn: (...args: unknown[]) => void warnings.push(args) });
  const gone = await logged.expand({ ...written, context: { ...written.context, policy: '@nosuchref' } });
  expect(gone.context.policy).toBe(logged.policy);
  expect(JSON.stringify(warnings)).toMatch(/policy nosuchref .* not in Redis/);
  expect(warnings).toHaveLength(1);
  // and its next checkpoint refers to that policy
  expect(await logged.save()).toBe(true);
  expect(logged.compact(gone).context.policy).toBe(`@${logged.ref}`);
  // a miss is not remembered: once the policy is stored again, it is restored
  const original = fastPolicy({ maxAttempts: 5 });
  await suite.redis.set(suite.h.engine.keys.policy('nosuchref'), JSON.stringify(original));
  expect((await logged.expand({ ...written, context: { ...written.context, policy: '@nosuchref' } })).context.policy).toEqual(original);
  expect(warnings).toHaveLength(1);
  // a process that checkpoints stores its own policy again, at most once a minute: a lost one comes back
  await suite.redis.del(suite.h.engine.keys.policy(mine.ref));
  mine.compact(snap);
  expect(await suite.redis.exists(suite.h.engine.keys.policy(mine.ref))).toBe(0);
  const now = Date.now();
  const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 61_000);
  try {
    mine.compact(snap);
  } finally {
    clock.mockRestore();
  }
  await waitFor(async () => (await suite.redis.exists(suite.h.engine.keys.policy(mine.ref))) === 1, 1_000, 'the policy to be stored again');
});

it('checkpoints asked for at the same moment go to Redis together, each written or refused on its own', async () => {
  const k = suite.h.engine.keys;
  const calls = { count: 0 };
  const counted = Object.create(suite.h.engine.redis) as EngineRedis;
  counted.checkpoint = (...args: Parameters<EngineRedis['checkpoint']>) => (calls.count++, suite.h.engine.redis.checkpoint(...args));
  const checkpoints = new Checkpointer(counted, k, 30_000);
  const request = async (id: string, token: string, gate = true, renewOwner = true) => {
    const domain = `${id}.com`;
    await suite.redis.hset(k.job(id), 'data', '{}');
    await suite.redis.set(k.jobLock(id), 'tok');
    await suite.redis.set(k.domainLock(domain), id, 'PX', 60_000);
    return { id, domain, token, data: JSON.stringify({ t: 'register', d: domain, n: id }), gate, renewOwner, entries: [`{"line":"${id}-1"}`, `{"line":"${id}-2"}`] as string[] };
  };
  const reqs = [await request('gc-a', 'tok'), await request('gc-b', 'not-the-token'), await request('gc-c', 'tok')];
  const results = await Promise.all(reqs.map((r) => checkpoints.write(r)));
  expect(calls.count).toBe(1);
  expect(results.map((r) => r[0])).toEqual([1, -1, 1]);
  expect(JSON.parse((await suite.redis.hget(k.job('gc-c'), 'data')) as string)).toMatchObject({ n: 'gc-c' });
  expect(await suite.redis.lrange(k.history('gc-c'), 0, -1)).toEqual(['{"line":"gc-c-1"}', '{"line":"gc-c-2"}']);
  expect(await suite.redis.hget(k.job('gc-b'), 'data')).toBe('{}');
  expect(await suite.redis.llen(k.history('gc-b'))).toBe(0);
  // alone, a checkpoint is a call of one
  expect((await checkpoints.write(await request('gc-d', 'tok')))[0]).toBe(1);
  expect(calls.count).toBe(2);
  // the gate is the account's, read once a call: shut for every member that passes it, not for one that does not
  await suite.redis.set(k.lockPause, '1', 'PX', 60_000);
  const gated = await Promise.all([await request('gc-e', 'tok'), await request('gc-f', 'tok', false), await request('gc-g', 'tok')].map((r) => checkpoints.write(r)));
  expect(calls.count).toBe(3);
  expect(gated.map((r) => r[0])).toEqual([3, 1, 3]);
  expect(gated[0]![1]).toBeGreaterThan(50_000);
  expect(gated[2]![1]).toBe(gated[0]![1]);
  expect(await suite.redis.hget(k.job('gc-e'), 'data')).toBe('{}');
  expect(JSON.parse((await suite.redis.hget(k.job('gc-f'), 'data')) as string)).toMatchObject({ n: 'gc-f' });
  await suite.redis.set(k.breaker, JSON.stringify({ reason: 'test' }));
  expect((await checkpoints.write(await request('gc-h', 'tok')))[0]).toBe(2);
  await suite.redis.del(k.lockPause, k.breaker);
  // each member's keys: its domain's owner and waiting operations, its cancel flag; a written checkpoint renews the claim
  const [cancelled, notOwner, waited] = [await request('gc-i', 'tok'), await request('gc-j', 'tok'), await request('gc-k', 'tok')];
  await suite.redis.set(k.cancel('gc-i'), '1');
  await suite.redis.set(k.domainLock(notOwner.domain), 'someone-else', 'PX', 60_000);
  await suite.redis.zadd(k.domainQueue(waited.domain), 1, 'op-waiting');
  const more = await Promise.all([cancelled, notOwner, waited].map((r) => checkpoints.write(r)));
  expect(more.map((r) => r[0])).toEqual([5, 6, 1]);
  expect(more.map((r) => r[2])).toEqual([0, 0, 1]);
  expect(await suite.redis.pttl(k.domainLock(cancelled.domain))).toBeLessThanOrEqual(60_000);
  expect(await suite.redis.pttl(k.domainLock(waited.domain))).toBeGreaterThan(6 * 24 * 3600_000);
  // an operation whose claim was set lately is not renewed: one command of Redis less
  const recent = await request('gc-l', 'tok', true, false);
  expect((await checkpoints.write(recent))[0]).toBe(1);
  expect(await suite.redis.pttl(k.domainLock(recent.domain))).toBeLessThanOrEqual(60_000);
  // a job removed while its worker held the lock: 0, whatever else would refuse it, and nothing left behind
  const gone = ['gc-m', 'gc-n', 'gc-o', 'gc-p', 'gc-q'];
  const reqs2 = await Promise.all(gone.map((id) => request(id, 'tok')));
  await suite.redis.del(k.jobLock('gc-n'));
  await suite.redis.set(k.domainLock('gc-o.com'), 'someone-else');
  await suite.redis.set(k.cancel('gc-p'), '1');
  await suite.redis.set(k.lockPause, '1', 'PX', 60_000);
  await suite.redis.del(...gone.map((id) => k.job(id)));
  expect((await Promise.all(reqs2.map((r) => checkpoints.write(r)))).map((r) => r[0])).toEqual([0, 0, 0, 0, 0]);
  expect(await suite.redis.exists(...gone.flatMap((id) => [k.job(id), k.history(id)]))).toBe(0);
  await suite.redis.del(k.lockPause);
  // a snapshot that took the cancel is written in spite of the flag, which goes with the write; the lock and the domain still count
  const taking = await Promise.all(['gc-r', 'gc-s', 'gc-t'].map((id) => request(id, 'tok', false)));
  await suite.redis.set(k.cancel('gc-r'), '1');
  await suite.redis.set(k.cancel('gc-t'), '1');
  await suite.redis.set(k.domainLock('gc-t.com'), 'someone-else');
  expect((await Promise.all(taking.map((r) => checkpoints.write({ ...r, takeCancel: true })))).map((r) => r[0])).toEqual([1, 1, 6]);
  expect(JSON.parse((await suite.redis.hget(k.job('gc-r'), 'data')) as string)).toMatchObject({ n: 'gc-r' });
  expect(await suite.redis.exists(k.cancel('gc-r'))).toBe(0);
  expect(await suite.redis.exists(k.cancel('gc-t'))).toBe(1);
});

it("a checkpoint written renews the job's lock for the lock's duration; one refused leaves the lock as it was", async () => {
  const k = suite.h.engine.keys;
  const checkpoints = new Checkpointer(suite.h.engine.redis, k, 20_000);
  for (const id of ['lk-a', 'lk-b']) {
    await suite.redis.hset(k.job(id), 'data', '{}');
    await suite.redis.set(k.jobLock(id), 'tok', 'PX', 1_000);
    await suite.redis.set(k.domainLock(`${id}.com`), id);
  }
  const [written, refused] = await Promise.all([
    checkpoints.write({ id: 'lk-a', domain: 'lk-a.com', token: 'tok', data: '{"n":1}', gate: false, renewOwner: false, entries: [] }),
    checkpoints.write({ id: 'lk-b', domain: 'lk-b.com', token: 'another worker', data: '{"n":2}', gate: false, renewOwner: false, entries: [] }),
  ]);
  expect([written[0], refused[0]]).toEqual([1, -1]);
  expect(await suite.redis.pttl(k.jobLock('lk-a'))).toBeGreaterThan(15_000);
  expect(await suite.redis.pttl(k.jobLock('lk-b'))).toBeLessThanOrEqual(1_000);
});

it("a rate slot taken for a job renews the job's lock, with a rate limit or without; refused, it leaves the lock alone", async () => {
  for (const rateLimit of [0, 50]) {
    const h = createHarness(`slot-lock-${rateLimit}`, { rateLimit, stallMs: 20_000 });
    try {
      const k = h.engine.keys;
      await suite.redis.set(k.jobLock('sl-a'), 'tok', 'PX', 1_000);
      await suite.redis.set(k.jobLock('sl-b'), 'tok', 'PX', 1_000);
      expect(await h.engine.account.reserve('sl-a', 'tok')).toMatchObject({ kind: 'go' });
      expect(await h.engine.account.reserve('sl-b', 'not the worker')).toEqual({ kind: 'lost' });
      expect(await suite.redis.pttl(k.jobLock('sl-a')), `rate ${rateLimit}`).toBeGreaterThan(15_000);
      expect(await suite.redis.pttl(k.jobLock('sl-b')), `rate ${rateLimit}`).toBeLessThanOrEqual(1_000);
    } finally {
      await h.close();
    }
  }
});

it('checkpoints carry any text: non-ASCII, long data, many history lines or none; a malformed one is refused alone', async () => {
  const k = suite.h.engine.keys;
  const checkpoints = new Checkpointer(suite.h.engine.redis, k, 30_000);
  const setUp = async (id: string) => {
    await suite.redis.hset(k.job(id), 'data', '{}');
    await suite.redis.set(k.jobLock(id), 'tok');
    await suite.redis.set(k.domainLock(`${id}.com`), id);
  };
  const ids = ['mp-a', 'mp-b', 'mp-c', 'mp-d'];
  for (const id of ids) await setUp(id);
  const long = JSON.stringify({ t: 'register', d: 'mp-b.com', pad: 'x'.repeat(70_000) });
  const unicode = JSON.stringify({ t: 'register', d: 'mp-a.com', note: 'Bücher — 東京 ✓ \u{1F600}' });
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ line: i, description: `Beschreibung ${i} — ü` }));
  const requests = [
    { id: 'mp-a', domain: 'mp-a.com', token: 'tok', data: unicode, gate: false, renewOwner: true, entries: [JSON.stringify({ description: 'Domäne verfügbar ✓' })] },
    { id: 'mp-b', domain: 'mp-b.com', token: 'tok', data: long, gate: false, renewOwner: false, entries: [] },
    { id: 'mp-c', domain: 'mp-c.com', token: 'tok', data: '{"n":3}', gate: true, renewOwner: true, entries: lines },
    { id: 'mp-d', domain: 'mp-d.com', token: undefined as unknown as string, data: '{"n":4}', gate: false, renewOwner: false, entries: [] },
  ];
  const results = await Promise.allSettled(requests.map((r) => checkpoints.write(r)));
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value[0] : 'refused'))).toEqual([1, 1, 1, 'refused']);
  expect(await suite.redis.hget(k.job('mp-a'), 'data')).toBe(unicode);
  expect(await suite.redis.lrange(k.history('mp-a'), 0, -1)).toEqual([JSON.stringify({ description: 'Domäne verfügbar ✓' })]);
  expect(await suite.redis.hget(k.job('mp-b'), 'data')).toBe(long);
  expect(await suite.redis.llen(k.history('mp-b'))).toBe(0);
  expect(await suite.redis.lrange(k.history('mp-c'), 0, -1)).toEqual(lines);
  expect(await suite.redis.hget(k.job('mp-d'), 'data')).toBe('{}');
});

it('a cancel that comes while a transfer polls is taken at its next checkpoint, and cancels the transfer at the registrar', async () => {
  const worker = suite.h.engine.startWorker({ registrar: suite.h.client(suite.sim.url), concurrency: 2 });
  const xfer = await suite.h.engine.store.submit({ type: 'transfer', domain: 'fast-xfer.com', auth: SIM_DEFAULTS.foreignAuthCode });
  const id = xfer.operation.id;
  // the transfer is requested and pending: the operation polls, each run a read and a wait
  await waitFor(async () => (await suite.sim.log('?domain=fast-xfer.com')).some((e) => e.command === 'StatusDomainTransfer'), 10_000, 'the first poll');
  expect((await suite.dataOf(id)).o).toBe(1);
  // the snapshot keeps when the request was about to be sent (an earlier transfer at the registrar is told by it)
  const { sentAt } = ((await suite.dataOf(id)).snap as { context: { carried: { sentAt: number } } }).context.carried;
  expect(sentAt).toBeGreaterThanOrEqual(Date.parse(xfer.operation.createdAt));
  expect(sentAt).toBeLessThanOrEqual(Date.now());
  // a cancel that could not take the operation out of the queue (it was running) leaves the flag
  await suite.redis.set(suite.h.engine.keys.cancel(id), '1', 'EX', 60);
  const [ended] = await suite.h.waitAllFinal([id], 10_000);
  expect(ended).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled' } });
  const sent = (await suite.sim.log('?domain=fast-xfer.com')).map((e) => e.command);
  // the request, then the cancel: the snapshot took the flag (gone), and nothing was polled after the cancel
  expect(sent.filter((c) => c === 'TransferDomain')).toHaveLength(2);
  expect(sent.at(-1)).toBe('TransferDomain');
  expect((await suite.h.engine.store.history(id)).at(-1)).toMatchObject({ step: 'cancelTransfer', code: 200, params: { ACTION: 'CANCEL' } });
  expect(await suite.redis.exists(suite.h.engine.keys.cancel(id))).toBe(0);
  await worker.close();
});

it("a checkpoint renews the domain owner's expiry only when it may have been set a day or more ago", async () => {
  const k = suite.h.engine.keys;
  const views = await suite.h.engine.store.submitMany([
    { type: 'register', domain: 'renew-owner-fresh.com', period: 1 },
    { type: 'register', domain: 'renew-owner-old.com', period: 1 },
  ]);
  // as if each claim had been made long ago and had a minute left; the second operation submitted two days ago
  for (const v of views) await suite.redis.pexpire(k.domainLock(v.domain), 60_000);
  await suite.redis.hset(k.job(views[1]!.id), 'timestamp', String(Date.now() - 2 * 24 * 3600_000));
  const worker = suite.h.engine.startWorker({ registrar: suite.h.client(suite.sim.url), concurrency: 2 });
  try {
    const final = await suite.h.waitAllFinal(
      views.map((v) => v.id),
      15_000,
    );
    expect(final.map((v) => v.status)).toEqual(['succeeded', 'succeeded']);
  } finally {
    await worker.close();
  }
  expect(await suite.redis.pttl(k.domainLock('renew-owner-fresh.com'))).toBeLessThanOrEqual(60_000);
  expect(await suite.redis.pttl(k.domainLock('renew-owner-old.com'))).toBeGreaterThan(OWNER_TTL_MS - 60_000);
});
