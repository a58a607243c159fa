// The realities: commit-then-drop, temporary failures before any effect,
// latency, seeded reproducibility, and the per-account rate limit with its
// 422 abuse lock. Each test starts its own sim with the options it needs.
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseReply } from '../../src/registrar/reply.ts';
import { startSim, type LogEntry, type SimHandle, type SimOptions } from '../../src/sandbox/index.ts';
import { admin, Clients, codeOf, form, post, type EffectsView, type StatsView } from './sim-harness.ts';

const sims: SimHandle[] = [];
let current: SimHandle;
const clients = new Clients(() => current);

async function sim(options: SimOptions): Promise<SimHandle> {
  current = await startSim({ port: 0, ...options });
  sims.push(current);
  return current;
}

afterEach(async () => {
  await clients.closeAll();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const stats = async (s: SimHandle) => (await admin<StatsView>(s, 'GET', '/_sim/stats')).json;
const effects = async (s: SimHandle) => (await admin<EffectsView>(s, 'GET', '/_sim/effects')).json;

describe('commit then drop (--drop-rate)', () => {
  it('the effect happens once though the client saw no reply; a second AddDomain answers 554', async () => {
    const s = await sim({ dropRate: 1, rate: 100_000 });
    const c = clients.make();
    const first = await c.addDomain({ domain: 'lost-reply.com' });
    expect(first.kind).toBe('uncertain');
    expect((await effects(s))['lost-reply.com']).toEqual({ registered: 1, renewed: 0, transferred: 0, deleted: 0 });
    const st = await stats(s);
    expect(st.dropped).toBe(1);
    expect(st.commands).toBe(1);
    const log = (await admin<LogEntry[]>(s, 'GET', '/_sim/log?domain=lost-reply.com')).json;
    expect(log).toMatchObject([{ command: 'AddDomain', code: 200, dropped: true, account: 'demo' }]);

    await admin(s, 'POST', '/_sim/faults', { dropRate: 0 });
    const second = await c.addDomain({ domain: 'lost-reply.com' });
    expect(codeOf(second)).toBe(554);
    // The reconciliation the engine does: StatusDomain says it is ours.
    expect(codeOf(await c.statusDomain('lost-reply.com'))).toBe(200);
    expect((await effects(s))['lost-reply.com']?.registered).toBe(1);
  });
});

describe('temporary failures (--temp-fail-rate)', () => {
  it('answers 420/421/423 before any effect; logins and admin endpoints are not affected', async () => {
    const s = await sim({ tempFailRate: 1, rate: 100_000, seed: 11 });
    const c = clients.make();
    const codes: (number | string)[] = [];
    for (let i = 0; i < 12; i++) codes.push(codeOf(await c.addDomain({ domain: 'never-made.com' })));
    for (const code of codes) expect([420, 421, 423]).toContain(code);
    expect(new Set(codes).size).toBeGreaterThan(1);
    expect(await effects(s)).toEqual({});
    expect((await stats(s)).tempFailures).toBe(12);
    const login = await post(s.url, form({ s_login: 'demo', s_pw: 'demo', persistent: '1' }));
    expect(login.reply.code).toBe(200);
    s.setFaults({ tempFailRate: 0 });
    expect(codeOf(await c.checkDomain('never-made.com'))).toBe(210);
  });

  it('a 420 closes the connection (Connection: close)', async () => {
    const s = await sim({ tempFailRate: 1, rate: 100_000, seed: 3 });
    let seen420 = false;
    for (let i = 0; i < 30 && !seen420; i++) {
      const res = await request(s.url, { method: 'POST', body: form({ s_login: 'demo', s_pw: 'demo', command: 'CheckDomain', domain: 'x.com' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const parsed = parseReply(await res.body.text());
      if (parsed.ok && parsed.reply.code === 420) {
        seen420 = true;
        expect(res.headers.connection).toBe('close');
      }
    }
    expect(seen420).toBe(true);
  });
});

describe('--seed', () => {
  async function sequence(seed: number, existing?: SimHandle): Promise<(number | string)[]> {
    const target = existing ?? (await sim({ seed, tempFailRate: 0.2, dropRate: 0.3, rate: 100_000 }));
    current = target;
    const c = clients.make();
    const out: (number | string)[] = [];
    for (let i = 0; i < 40; i++) out.push(codeOf(await c.checkDomain(`seeded-${i}.com`)));
    return out;
  }

  it('the same seed gives the same fault sequence; another seed another one; reset replays it', async () => {
    const a = await sequence(7);
    const b = await sequence(7);
    expect(a).toEqual(b);
    expect(a).toContain('uncertain');
    expect(a.some((code) => [420, 421, 423].includes(code as number))).toBe(true);
    expect(a).toContain(210);
    const other = await sequence(8);
    expect(other).not.toEqual(a);
    const s = sims[0]!;
    await s.reset();
    expect(await sequence(7, s)).toEqual(a);
  });
});

describe('--latency-ms', () => {
  it('delays each command; the command log shows when each one ran', async () => {
    const s = await sim({ latencyMs: 120, rate: 100_000 });
    const c = clients.make();
    const started = performance.now();
    expect(codeOf(await c.checkDomain('slow.com'))).toBe(210);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    const [entry] = (await admin<LogEntry[]>(s, 'GET', '/_sim/log')).json;
    expect(entry).toMatchObject({ seq: 1, command: 'CheckDomain', domain: 'slow.com', code: 210, account: 'demo' });
    expect(entry!.end - entry!.start).toBeGreaterThanOrEqual(115);
  });

  it('the log shows two concurrent commands on one domain as overlapping, and sequential ones as not', async () => {
    const s = await sim({ latencyMs: 80, rate: 100_000 });
    const c = clients.make({ maxConnections: 2 });
    await Promise.all([c.statusDomain('same.com'), c.statusDomain('same.com')]);
    await c.statusDomain('same.com');
    const log = (await admin<LogEntry[]>(s, 'GET', '/_sim/log?domain=same.com')).json;
    expect(log.map((e) => e.seq)).toEqual([...log.map((e) => e.seq)].sort((x, y) => x - y));
    const overlap = (x: LogEntry, y: LogEntry) => x.start < y.end && y.start < x.end;
    const [a, b, third] = log;
    expect(log).toHaveLength(3);
    expect(overlap(a!, b!)).toBe(true);
    expect(overlap(b!, third!)).toBe(false);
  });
});

describe('--rate and --lock-seconds', () => {
  it('a burst over the rate locks the account with 422 for --lock-seconds; then commands succeed again', async () => {
    const s = await sim({ rate: 5, lockSeconds: 2 });
    const body = form({ s_login: 'demo', s_pw: 'demo', command: 'CheckDomain', domain: 'burst.com' });
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) codes.push((await post(s.url, body)).reply.code);
    expect(codes).toEqual([...Array(5).fill(210), ...Array(15).fill(422)]);
    const locked = await post(s.url, body);
    expect(locked.reply.description).toBe('Abuse detected! The account has been temporarily locked! Please standby some minutes.');
    let st = await stats(s);
    expect(st.locks).toBe(1);
    expect(st.rateLimited).toBe(16);

    await new Promise((r) => setTimeout(r, 2100));
    expect((await post(s.url, body)).reply.code).toBe(210);

    // Each lock counts; the sim clock ends a lock as well as real time does.
    for (let i = 0; i < 10; i++) await post(s.url, body);
    st = await stats(s);
    expect(st.locks).toBe(2);
    expect((await post(s.url, body)).reply.code).toBe(422);
    s.advanceClock(2000);
    expect((await post(s.url, body)).reply.code).toBe(210);
  });

  it('the rate is per account and checked before faults', async () => {
    const s = await sim({ rate: 3, lockSeconds: 60, tempFailRate: 1, accounts: [{ login: 'other', password: 'other-pw' }] });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await post(s.url, form({ s_login: 'demo', s_pw: 'demo', command: 'CheckDomain', domain: 'x.com' }))).reply.code);
    expect(codes.slice(0, 3).every((c) => [420, 421, 423].includes(c))).toBe(true);
    expect(codes.slice(3)).toEqual([422, 422, 422]);
    s.setFaults({ tempFailRate: 0 });
    expect((await post(s.url, form({ s_login: 'other', s_pw: 'other-pw', command: 'CheckDomain', domain: 'x.com' }))).reply.code).toBe(210);
  });
});
