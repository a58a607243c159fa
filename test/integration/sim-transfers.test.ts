// TransferDomain (REQUEST, CANCEL, APPROVE, DENY), StatusDomainTransfer and
// CheckDomainTransfer, with transfers completing when the sim clock moves.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/registrar/outcome.ts';
import { SIM_DEFAULTS, startSim, type SimHandle } from '../../src/sandbox/index.ts';
import { admin, Clients, type EffectsView, expectCode , sharedSimHooks } from './sim-harness.ts';

let sim: SimHandle;
const clients = new Clients(() => sim);
const demo = () => clients.make();
const other = () => clients.make({ login: 'other', password: 'other-pw' });
const AUTH = SIM_DEFAULTS.foreignAuthCode;
const TRANSFER_MS = 5000;

beforeAll(async () => {
  sim = await startSim({ port: 0, rate: 100_000, transferSeconds: TRANSFER_MS / 1000, taken: ['deny-me.com', 'incoming.com'], accounts: [{ login: 'other', password: 'other-pw' }] });
});
sharedSimHooks(() => sim, clients);


function transferStatus(outcome: Outcome<{ transferStatus?: string }>): string | undefined {
  return outcome.kind === 'reply' ? outcome.data?.transferStatus : undefined;
}

async function credit(login = 'demo'): Promise<number> {
  const accounts = (await admin<{ login: string; credit: number }[]>(sim, 'GET', '/_sim/accounts')).json;
  return accounts.find((a) => a.login === login)!.credit;
}

async function effects(): Promise<EffectsView> {
  return (await admin<EffectsView>(sim, 'GET', '/_sim/effects')).json;
}

describe('a transfer in', () => {
  it('is pending after the request and approved once the sim clock passes --transfer-seconds', async () => {
    const c = demo();
    const before = await credit();
    expectCode(await c.checkDomainTransfer('incoming.com'), 218, 'Request is available');
    const requested = await c.transferDomain({ domain: 'incoming.com', auth: AUTH });
    expectCode(requested, 200);
    expect(transferStatus(requested)).toBe('pending');
    expect(await credit()).toBe(before - SIM_DEFAULTS.prices.transfer);
    expectCode(await c.statusDomain('incoming.com'), 545); // not ours yet

    sim.advanceClock(TRANSFER_MS - 1000);
    expect(transferStatus(await c.statusDomainTransfer('incoming.com'))).toBe('pending');
    expect((await effects())['incoming.com']).toBeUndefined();

    await admin(sim, 'POST', '/_sim/clock', { advanceMs: 1000 });
    const done = await c.statusDomainTransfer('incoming.com');
    expectCode(done, 200);
    expect(transferStatus(done)).toBe('serverApproved');
    const status = await c.statusDomain('incoming.com');
    expectCode(status, 200);
    // Seeded foreign names expire a year after the sim started; the transfer adds its year.
    const expected = new Date(sim.now()).getUTCFullYear() + 2;
    expect(status.kind === 'reply' && status.data?.expirationDate?.slice(0, 4)).toBe(String(expected));
    expect((await effects())['incoming.com']).toEqual({ registered: 0, renewed: 0, transferred: 1, deleted: 0 });
    // The record stays queryable with its final status, and the domain is now ours.
    expect(transferStatus(await c.statusDomainTransfer('incoming.com'))).toBe('serverApproved');
    expectCode(await c.checkDomainTransfer('incoming.com'), 219, 'Request is not available; domain is already in this account');
  });

  it('is rejected by the losing side for names starting with deny- and for the admin deny list, and refunded', async () => {
    const c = demo();
    const before = await credit();
    await admin(sim, 'POST', '/_sim/transfer-policy', { deny: ['example.net'] });
    expectCode(await c.transferDomain({ domain: 'deny-me.com', auth: AUTH }), 200);
    expectCode(await c.transferDomain({ domain: 'example.net', auth: AUTH }), 200);
    expectCode(await c.transferDomain({ domain: 'example.org', auth: AUTH }), 200);
    sim.advanceClock(TRANSFER_MS);
    expect(transferStatus(await c.statusDomainTransfer('deny-me.com'))).toBe('clientRejected');
    expect(transferStatus(await c.statusDomainTransfer('example.net'))).toBe('clientRejected');
    expect(transferStatus(await c.statusDomainTransfer('example.org'))).toBe('serverApproved');
    expectCode(await c.statusDomain('deny-me.com'), 545);
    expect(await credit()).toBe(before - SIM_DEFAULTS.prices.transfer);
    expect((await effects())['deny-me.com']).toBeUndefined();
  });

  it('answers 530 to a wrong auth code and 504 to a missing one, with nothing pending', async () => {
    const c = demo();
    expectCode(await c.transferDomain({ domain: 'example.com', auth: 'wrong-code' }), 530, 'Authentication failed; invalid auth code');
    expectCode(await c.transferDomain({ domain: 'example.com' }), 504, 'Missing required attribute; AUTH');
    expectCode(await c.statusDomainTransfer('example.com'), 545);
    expectCode(await c.checkDomainTransfer('example.com'), 218);
  });

  it('answers 552 for our own domain, 536 when one is already pending, 545 for an unregistered name', async () => {
    const c = demo();
    await c.addDomain({ domain: 'already-mine.com' });
    expectCode(await c.transferDomain({ domain: 'already-mine.com', auth: 'whatever' }), 552, 'Domain status does not allow for operation; domain is already in this account');
    expectCode(await c.transferDomain({ domain: 'example.com', auth: AUTH }), 200);
    expectCode(await c.transferDomain({ domain: 'example.com', auth: AUTH }), 536, 'Domain already flagged for transfer');
    expectCode(await other().transferDomain({ domain: 'example.com', auth: AUTH }), 536);
    expectCode(await c.checkDomainTransfer('example.com'), 219, 'Request is not available; a transfer is pending');
    expectCode(await c.transferDomain({ domain: 'unregistered-name.com', auth: AUTH }), 545);
    expectCode(await c.checkDomainTransfer('unregistered-name.com'), 219);
  });

  it('answers 552 when clientTransferProhibited is set, 546 without credit, 556 for a period over 10', async () => {
    const c = demo();
    await admin(sim, 'POST', '/_sim/domains/github.com', { status: ['ACTIVE', 'clientTransferProhibited'] });
    expectCode(await c.transferDomain({ domain: 'github.com', auth: AUTH }), 552, 'Domain status does not allow for operation; clientTransferProhibited');
    expectCode(await c.checkDomainTransfer('github.com'), 219, 'Request is not available; clientTransferProhibited');
    expectCode(await c.transferDomain({ domain: 'amazon.com', auth: AUTH, period: 11 }), 556);
    await admin(sim, 'POST', '/_sim/credit', { account: 'demo', amount: 1 });
    expectCode(await c.transferDomain({ domain: 'amazon.com', auth: AUTH }), 546);
    expectCode(await c.statusDomainTransfer('amazon.com'), 545);
  });

  it('can be cancelled by the gaining account (clientCancelled, refunded); CANCEL without one answers 534', async () => {
    const c = demo();
    const before = await credit();
    expectCode(await c.transferDomain({ domain: 'wikipedia.org', auth: AUTH }), 200);
    const cancelled = await c.transferDomain({ domain: 'wikipedia.org', action: 'CANCEL' });
    expectCode(cancelled, 200);
    expect(transferStatus(cancelled)).toBe('clientCancelled');
    expect(await credit()).toBe(before);
    sim.advanceClock(TRANSFER_MS * 2);
    expect(transferStatus(await c.statusDomainTransfer('wikipedia.org'))).toBe('clientCancelled');
    expectCode(await c.transferDomain({ domain: 'wikipedia.org', action: 'CANCEL' }), 534, 'Domain name has not been flagged for transfer; wikipedia.org');
    expectCode(await c.transferDomain({ domain: 'wikipedia.org', action: 'LATER' as 'CANCEL' }), 506);
  });
});

describe('the losing side', () => {
  it('approves at once (clientApproved) and the domain moves to the gaining account', async () => {
    const mine = demo();
    await mine.addDomain({ domain: 'give-away.com', auth: 'Give-Away-1' });
    const theirs = other();
    expectCode(await theirs.transferDomain({ domain: 'give-away.com', auth: 'Give-Away-1' }), 200);
    expect(transferStatus(await mine.statusDomainTransfer('give-away.com'))).toBe('pending');
    const approved = await mine.transferDomain({ domain: 'give-away.com', action: 'APPROVE' });
    expectCode(approved, 200);
    expect(transferStatus(approved)).toBe('clientApproved');
    expectCode(await theirs.statusDomain('give-away.com'), 200);
    expectCode(await mine.statusDomain('give-away.com'), 545);
    expect((await effects())['give-away.com']?.transferred).toBe(1);
  });

  it('denies (clientRejected); only the holder may approve or deny, and only a pending transfer', async () => {
    const mine = demo();
    await mine.addDomain({ domain: 'keep-it.com', auth: 'Keep-It-Auth' });
    const theirs = other();
    expectCode(await mine.transferDomain({ domain: 'keep-it.com', action: 'DENY' }), 534);
    expectCode(await theirs.transferDomain({ domain: 'keep-it.com', auth: 'Keep-It-Auth' }), 200);
    expectCode(await theirs.transferDomain({ domain: 'keep-it.com', action: 'APPROVE' }), 545);
    expectCode(await mine.transferDomain({ domain: 'keep-it.com', action: 'DENY' }), 200);
    expect(transferStatus(await theirs.statusDomainTransfer('keep-it.com'))).toBe('clientRejected');
    expectCode(await mine.statusDomain('keep-it.com'), 200);
  });
});

describe('StatusDomainTransfer', () => {
  it('answers 545 when this account never had a transfer of the domain', async () => {
    const c = demo();
    expectCode(await c.statusDomainTransfer('example.com'), 545, 'Entity reference not found; no transfer of example.com');
    expectCode(await c.transferDomain({ domain: 'example.com', auth: AUTH }), 200);
    expectCode(await other().statusDomainTransfer('example.com'), 545);
    expectCode(await c.statusDomainTransfer('example.com'), 200);
  });
});
