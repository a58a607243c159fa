// Accounts, persistent sessions (login, use, StopSession, expiry) and the cap
// on concurrently open connections per account (521).
import { Client } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseReply } from '../../src/registrar/reply.ts';
import { SIM_DEFAULTS, startSim, type SimHandle } from '../../src/sandbox/index.ts';
import { admin, Clients, expectWellFormed, form, post, type StatsView , sharedSimHooks } from './sim-harness.ts';

let sim: SimHandle;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSim({ port: 0, rate: 100_000 });
});
sharedSimHooks(() => sim, clients);

async function stats(): Promise<StatsView> {
  return (await admin<StatsView>(sim, 'GET', '/_sim/stats')).json;
}

async function login(): Promise<string> {
  const r = await post(sim.url, form({ s_login: 'demo', s_pw: 'demo', persistent: '1' }));
  expectWellFormed(r);
  expect(r.reply.code).toBe(200);
  expect(r.reply.properties.EXPIRATIONDATE?.[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  return r.reply.properties.SESSIONID![0]!;
}

describe('sessions', () => {
  it('persistent=1 logs in; the session id works until StopSession, then answers 530', async () => {
    const session = await login();
    const check = await post(sim.url, form({ s_sessionid: session, command: 'CheckDomain', domain: 'session-check.com' }));
    expect(check.reply.code).toBe(210);
    const stop = await post(sim.url, form({ s_sessionid: session, command: 'StopSession' }));
    expectWellFormed(stop);
    expect(stop.reply.code).toBe(200);
    const after = await post(sim.url, form({ s_sessionid: session, command: 'CheckDomain', domain: 'session-check.com' }));
    expect(after.reply.code).toBe(530);
    const stopAgain = await post(sim.url, form({ s_sessionid: session, command: 'StopSession' }));
    expect(stopAgain.reply.code).toBe(530);
    expect((await stats()).logouts).toBe(1);
  });

  it('a session expires after its idle lifetime on the sim clock', async () => {
    const session = await login();
    sim.advanceClock(SIM_DEFAULTS.sessionTtlSeconds * 1000 - 1000);
    expect((await post(sim.url, form({ s_sessionid: session, command: 'CheckDomain', domain: 'a.com' }))).reply.code).toBe(210);
    // Use extends it; a full idle lifetime later it is gone.
    sim.advanceClock(SIM_DEFAULTS.sessionTtlSeconds * 1000 + 1);
    expect((await post(sim.url, form({ s_sessionid: session, command: 'CheckDomain', domain: 'a.com' }))).reply.code).toBe(530);
  });

  it('refuses a login with a wrong password or an unknown login (530)', async () => {
    for (const creds of <Record<string, string>[]>[{ s_login: 'demo', s_pw: 'nope' }, { s_login: 'ghost', s_pw: 'demo' }, { s_login: 'demo' }]) {
      const r = await post(sim.url, form({ ...creds, persistent: '1' }));
      expectWellFormed(r);
      expect(r.reply.code).toBe(530);
      expect(r.reply.properties.SESSIONID).toBeUndefined();
    }
    expect((await stats()).loginFailures).toBe(3);
  });

  it('RegistrarClient in session mode logs in once and again after the session expired', async () => {
    const c = clients.make({ session: true });
    expect((await c.checkDomain('s1.com')).code).toBe(210);
    expect((await c.checkDomain('s2.com')).code).toBe(210);
    expect((await stats()).logins).toBe(1);
    sim.advanceClock(SIM_DEFAULTS.sessionTtlSeconds * 1000 + 1);
    expect((await c.checkDomain('s3.com')).code).toBe(210);
    expect((await stats()).logins).toBe(2);
    expect((await c.stopSession())?.code).toBe(200);
  });
});

describe('the connection cap (--sessions)', () => {
  // Its own sim: the other tests' keep-alive connections would count against a cap of 2.
  let capped: SimHandle;
  const opened: Client[] = [];
  const cappedClients = new Clients(() => capped);
  beforeAll(async () => {
    capped = await startSim({ port: 0, rate: 100_000, sessions: 2, accounts: [{ login: 'other', password: 'other-pw' }] });
  });
  afterAll(async () => {
    await capped.close();
  });
  beforeEach(async () => {
    await capped.reset();
    // Connections closed by the previous test are released asynchronously.
    for (let i = 0; i < 100 && Object.keys((await cappedStats()).connections as object).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  });
  afterEach(async () => {
    await cappedClients.closeAll();
    await Promise.all(opened.splice(0).map((c) => c.destroy()));
  });

  async function cappedStats(): Promise<StatsView> {
    return (await admin<StatsView>(capped, 'GET', '/_sim/stats')).json;
  }

  async function onOwnConnection(body: string): Promise<{ code: number; connection: string | undefined; client: Client }> {
    const client = new Client(capped.baseUrl, { pipelining: 1, keepAliveTimeout: 60_000 });
    opened.push(client);
    const res = await client.request({ path: '/api/call.cgi', method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const parsed = parseReply(await res.body.text());
    if (!parsed.ok) throw new Error(parsed.error.message);
    return { code: parsed.reply.code, connection: res.headers.connection as string | undefined, client };
  }

  it('answers 521 and closes the connection beyond N open connections of one account; a closed one frees a place', async () => {
    const demoCheck = form({ s_login: 'demo', s_pw: 'demo', command: 'CheckDomain', domain: 'cap.com' });
    const first = await onOwnConnection(demoCheck);
    const second = await onOwnConnection(demoCheck);
    expect([first.code, second.code]).toEqual([210, 210]);
    const third = await onOwnConnection(demoCheck);
    expect(third.code).toBe(521);
    expect(third.connection).toBe('close');
    // The cap is per account: another account still gets in.
    expect((await onOwnConnection(form({ s_login: 'other', s_pw: 'other-pw', command: 'CheckDomain', domain: 'cap.com' }))).code).toBe(210);
    // The first two connections are still open and keep working.
    const again = await first.client.request({ path: '/api/call.cgi', method: 'POST', body: demoCheck, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(await again.body.text()).toMatch(/^code = 210$/m);
    const s = await cappedStats();
    expect(s.sessionRejections).toBe(1);
    expect(s.byCode['521']).toBe(1);
    expect(s.connections).toEqual({ demo: 2, other: 1 });

    await first.client.close();
    // The server learns of the close asynchronously.
    for (let i = 0; i < 100 && ((await cappedStats()).connections as Record<string, number>).demo !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await onOwnConnection(demoCheck)).code).toBe(210);
  });

  it('a RegistrarClient capped at the same number of connections never sees 521', async () => {
    const c = cappedClients.make({ maxConnections: 2 });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => c.checkDomain(`parallel-${i}.com`)));
    expect(outcomes.map((o) => o.code)).toEqual(Array(20).fill(210));
    expect((await cappedStats()).sessionRejections).toBe(0);
  });
});
