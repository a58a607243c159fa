// --state-file (saved atomically, reloaded on restart), POST /_sim/reset, the
// movable clock and the admin views (which never show secrets).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIM_DEFAULTS, startSim, type SimHandle } from '../../src/sandbox/index.ts';
import { admin, Clients, codeOf, type EffectsView, type StatsView } from './sim-harness.ts';

let dir: string;
let current: SimHandle | undefined;
const clients = new Clients(() => current!);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'domainflow-sim-'));
});
afterEach(async () => {
  await clients.closeAll();
  await current?.close();
  current = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(stateFile: string): Promise<SimHandle> {
  current = await startSim({ port: 0, rate: 100_000, stateFile, accounts: [{ login: 'other', password: 'other-pw' }] });
  return current;
}

describe('--state-file', () => {
  it('keeps domains, contacts, credit, effects, transfers and the clock across a restart', async () => {
    const file = join(dir, 'nested', 'sim-state.json');
    let sim = await start(file);
    let c = clients.make();
    const added = await c.addDomain({ domain: 'persisted.com', period: 2, auth: 'Persisted-Auth-1' });
    expect(codeOf(added)).toBe(200);
    const contact = await c.addContact({ firstname: 'P', lastname: 'Q', street: 'S 1', city: 'C', zip: '1', country: 'DE', phone: '+49.3012345', email: 'p@q.de' });
    const handle = contact.kind === 'reply' ? contact.data?.handle : undefined;
    expect(codeOf(await c.transferDomain({ domain: 'example.com', auth: SIM_DEFAULTS.foreignAuthCode })), 'transfer requested').toBe(200);
    sim.advanceClock(1000);
    const creditBefore = (await admin<{ login: string; credit: number }[]>(sim, 'GET', '/_sim/accounts')).json[0]!.credit;
    await clients.closeAll();
    await sim.close();

    const saved = JSON.parse(await readFile(file, 'utf8')) as { domains: { name: string }[] };
    expect(saved.domains.map((d) => d.name)).toContain('persisted.com');
    expect(await readdir(join(dir, 'nested'))).toEqual(['sim-state.json']); // no temporary file left behind
    expect(await readFile(file, 'utf8')).not.toContain('other-pw'); // passwords come from the options, never the file

    sim = await start(file);
    c = clients.make();
    const status = await c.statusDomain('persisted.com');
    expect(codeOf(status)).toBe(200);
    expect(status.kind === 'reply' && status.data?.expirationDate).toBe(added.kind === 'reply' ? added.data?.expirationDate : 'x');
    expect(codeOf(await c.addDomain({ domain: 'persisted.com' }))).toBe(554);
    expect(codeOf(await c.statusContact(handle!))).toBe(200);
    expect((await admin<{ offsetMs: number }>(sim, 'GET', '/_sim/clock')).json.offsetMs).toBe(1000);
    expect((await admin<{ login: string; credit: number }[]>(sim, 'GET', '/_sim/accounts')).json[0]!.credit).toBe(creditBefore);
    expect((await admin<EffectsView>(sim, 'GET', '/_sim/effects')).json['persisted.com']?.registered).toBe(1);
    // The pending transfer survived and completes on the clock.
    expect(await c.statusDomainTransfer('example.com').then((o) => o.kind === 'reply' && o.data?.transferStatus)).toBe('pending');
    sim.advanceClock(SIM_DEFAULTS.transferSeconds * 1000);
    expect(await c.statusDomainTransfer('example.com').then((o) => o.kind === 'reply' && o.data?.transferStatus)).toBe('serverApproved');
  });

  it('refuses to start on a damaged state file, naming the flag', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"version": 1, "domains": "nope"');
    await expect(startSim({ port: 0, stateFile: file })).rejects.toThrow(/^--state-file .*broken\.json: not valid JSON/);
    await writeFile(file, JSON.stringify({ version: 1, domains: 'nope' }));
    await expect(startSim({ port: 0, stateFile: file })).rejects.toThrow(/^--state-file .*: not a simulator state/);
  });
});

describe('POST /_sim/reset and the admin views', () => {
  it('empties everything back to the initial state', async () => {
    const sim = await start(join(dir, 'reset.json'));
    const c = clients.make();
    await c.addDomain({ domain: 'wiped.com' });
    await admin(sim, 'POST', '/_sim/credit', { account: 'demo', amount: 3 });
    await admin(sim, 'POST', '/_sim/clock', { advanceMs: 60_000 });
    expect((await admin<StatsView>(sim, 'GET', '/_sim/stats')).json.commands).toBe(1);

    expect((await admin(sim, 'POST', '/_sim/reset')).status).toBe(200);
    expect((await admin<EffectsView>(sim, 'GET', '/_sim/effects')).json).toEqual({});
    const stats = (await admin<StatsView>(sim, 'GET', '/_sim/stats')).json;
    expect(stats.commands).toBe(0);
    expect(stats.byCode).toEqual({});
    expect((await admin<{ offsetMs: number }>(sim, 'GET', '/_sim/clock')).json.offsetMs).toBe(0);
    expect((await admin<{ credit: number }[]>(sim, 'GET', '/_sim/accounts')).json[0]!.credit).toBe(SIM_DEFAULTS.credit);
    expect(codeOf(await c.checkDomain('wiped.com'))).toBe(210);
    expect(codeOf(await c.checkDomain('example.com'))).toBe(211);
    expect((await admin<unknown[]>(sim, 'GET', '/_sim/log')).json).toHaveLength(2);
  });

  it('shows a domain without its auth code, and refuses bad admin input with 400/404', async () => {
    const sim = await start(join(dir, 'admin.json'));
    const c = clients.make();
    await c.addDomain({ domain: 'inspect.com', auth: 'Secret-Auth-77' });
    const view = await admin<Record<string, unknown>>(sim, 'GET', '/_sim/domains/inspect.com');
    expect(view.status).toBe(200);
    expect(view.json).toMatchObject({ name: 'inspect.com', owner: 'demo', status: ['ACTIVE'], auth: '***', transferLock: false });
    for (const path of ['/_sim/domains/inspect.com', '/_sim/stats', '/_sim/accounts', '/_sim/log', '/_sim/effects']) {
      const text = JSON.stringify((await admin(sim, 'GET', path)).json);
      expect(text).not.toContain('Secret-Auth-77');
      expect(text).not.toContain('other-pw');
      expect(text).not.toContain(SIM_DEFAULTS.foreignAuthCode);
    }
    expect((await admin(sim, 'GET', '/_sim/domains/nowhere.com')).status).toBe(404);
    expect((await admin(sim, 'POST', '/_sim/clock', { advanceMs: -5 })).status).toBe(400);
    expect((await admin(sim, 'POST', '/_sim/credit', { account: 'nobody', amount: 5 })).status).toBe(404);
    expect((await admin(sim, 'POST', '/_sim/faults', { dropRate: 2 })).status).toBe(400);
  });
});
