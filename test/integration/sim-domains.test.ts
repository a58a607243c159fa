// CheckDomain(s), AddDomain, StatusDomain and RenewDomain over HTTP with the
// RegistrarClient: every code they answer. DeleteDomain and QueryDomainList are
// in sim-domains-delete-list.test.ts.
import { describe, expect, it } from 'vitest';
import { prop } from '../../src/registrar/reply.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/index.ts';
import { admin, domainCommandsSim, expectCode } from './sim-harness.ts';

const simulator = domainCommandsSim();
const { demo, effects } = simulator;

async function credit(login = 'demo'): Promise<number> {
  const accounts = (await admin<{ login: string; credit: number }[]>(simulator.handle(), 'GET', '/_sim/accounts')).json;
  return accounts.find((a) => a.login === login)!.credit;
}

describe('CheckDomain and CheckDomains', () => {
  it('answers 210 for a free name and 211 for names held by anyone (seeded, --taken, ours)', async () => {
    const c = demo();
    expectCode(await c.checkDomain('free-name-1.com'), 210, 'Domain name available');
    for (const name of ['example.com', 'google.com', 'taken-one.com', 'taken-two.net']) expectCode(await c.checkDomain(name), 211, 'Domain name not available');
    expectCode(await c.addDomain({ domain: 'mine-now.com' }), 200);
    expectCode(await c.checkDomain('mine-now.com'), 211);
  });

  it('answers 505 for a malformed name and 504 without DOMAIN', async () => {
    const c = demo();
    for (const bad of ['under_score.com', '-lead.com', 'nodot', 'a..b.com', 'x.c0m', 'ok.c', 'xn--a.com', 'xn--zz.com', 'ab--cd.com']) {
      expectCode(await c.checkDomain(bad), 505, 'Invalid attribute value syntax; DOMAIN');
    }
    // IDN labels, and "--" beyond the fourth place, are fine
    for (const good of ['xn--bcher-kva.com', 'a-b--c.com', 'xn--e1afmkfd.xn--p1ai']) expectCode(await c.checkDomain(good), 210);
  });

  it('answers 541 for a well-formed name under a top-level name no registry serves, for every domain command', async () => {
    const c = demo();
    for (const name of ['foo.invalid', 'foo.example', 'foo.localhost']) {
      expectCode(await c.checkDomain(name), 541, `Invalid attribute value; DOMAIN (.${name.split('.')[1]} is not served)`);
    }
    expectCode(await c.addDomain({ domain: 'foo.invalid' }), 541);
    expectCode(await c.call({ COMMAND: 'StatusDomain', DOMAIN: 'foo.invalid' }), 541);
    expect((await effects())['foo.invalid']).toBeUndefined();
    expectCode(await c.call({ COMMAND: 'CheckDomain' }), 504, 'Missing required attribute; DOMAIN');
  });

  it('CheckDomains answers 200 with one domaincheck per name, in order', async () => {
    const outcome = await demo().checkDomains(['free-2.com', 'example.com', 'bad_name.com', 'name.invalid']);
    expectCode(outcome, 200);
    if (outcome.kind !== 'reply') return;
    // as the registrar's test system answers (vectors/cnr/idn-convert.json)
    expect(outcome.reply.properties.COLUMN).toEqual(['domaincheck', 'domainchecktime']);
    expect(outcome.reply.properties.DOMAINCHECK).toEqual(['210 Available', '211 Domain name not available', '541 Invalid attribute value', '541 Invalid attribute value']);
    expect(outcome.reply.properties.DOMAINCHECKTIME).toEqual(['0', '0', '0', '0']);
    expect(outcome.data?.map((d) => [d.domain, d.code, d.available])).toEqual([
      ['free-2.com', 210, true],
      ['example.com', 211, false],
      ['bad_name.com', 541, false],
      ['name.invalid', 541, false],
    ]);
  });

  it('CheckDomains takes 32 names, refuses a 33rd (541) and a call without names (504)', async () => {
    const c = demo();
    const names = Array.from({ length: 32 }, (_, i) => `bulk-${i}.com`);
    const outcome = await c.checkDomains(names);
    expectCode(outcome, 200);
    expect(outcome.kind === 'reply' && outcome.reply.properties.DOMAINCHECK?.length).toBe(32);
    const tooMany = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`DOMAIN${i}`, `n${i}.com`]));
    expectCode(await c.call({ COMMAND: 'CheckDomains', ...tooMany }), 541, /^Invalid attribute value; at most 32 names/);
    expectCode(await c.call({ COMMAND: 'CheckDomains' }), 504, 'Missing required attribute; DOMAIN0');
  });
});

describe('AddDomain', () => {
  it('registers with the dates, status ACTIVE, the default contacts and name servers, and charges the credit', async () => {
    const c = demo();
    const before = await credit();
    const outcome = await c.addDomain({
      domain: 'fresh-reg.com',
      period: 2,
      ownerContact: SIM_DEFAULTS.contacts.owner,
      adminContact: SIM_DEFAULTS.contacts.admin,
      techContact: SIM_DEFAULTS.contacts.tech,
      billingContact: SIM_DEFAULTS.contacts.billing,
      nameservers: SIM_DEFAULTS.nameservers,
    });
    expectCode(outcome, 200, 'Command completed successfully');
    if (outcome.kind !== 'reply') return;
    const now = new Date(simulator.handle().now());
    expect(outcome.data?.status).toEqual(['ACTIVE']);
    expect(outcome.data?.createdDate).toMatch(new RegExp(`^${now.getUTCFullYear()}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`));
    expect(outcome.data?.expirationDate?.slice(0, 4)).toBe(String(now.getUTCFullYear() + 2));
    expect(outcome.data?.renewalDate).toBe(outcome.data?.expirationDate);
    expect(await credit()).toBe(before - 2 * SIM_DEFAULTS.prices.register);
    expect((await effects())['fresh-reg.com']).toEqual({ registered: 1, renewed: 0, transferred: 0, deleted: 0 });
    const status = await c.statusDomain('fresh-reg.com');
    expectCode(status, 200);
    expect(status.kind === 'reply' && status.data?.nameservers).toEqual(SIM_DEFAULTS.nameservers);
    expect(status.kind === 'reply' && status.data?.ownerContact).toBe('DEMO-OWNER');
  });

  it('answers 554 for a name we hold or another account holds, without a second effect', async () => {
    const c = demo();
    expectCode(await c.addDomain({ domain: 'twice.com' }), 200);
    expectCode(await c.addDomain({ domain: 'twice.com' }), 554, 'Domain already registered; twice.com');
    expectCode(await c.addDomain({ domain: 'example.com' }), 554);
    expectCode(await c.addDomain({ domain: 'taken-one.com' }), 554);
    const e = await effects();
    expect(e['twice.com']?.registered).toBe(1);
    expect(e['example.com']).toBeUndefined();
  });

  it('answers 556 for a period over 10 years, 505/541 for a malformed one, 504/505 for a missing or malformed name', async () => {
    const c = demo();
    expectCode(await c.addDomain({ domain: 'long.com', period: 11 }), 556, /^Maximum registration period exceeded/);
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'p.com', PERIOD: 'two' }), 505, 'Invalid attribute value syntax; PERIOD');
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'p.com', PERIOD: 0 }), 541, 'Invalid attribute value; PERIOD');
    expectCode(await c.call({ COMMAND: 'AddDomain' }), 504, 'Missing required attribute; DOMAIN');
    expectCode(await c.addDomain({ domain: 'no spaces.com' }), 505, 'Invalid attribute value syntax; DOMAIN');
    expectCode(await c.addDomain({ domain: 'ok.com', nameservers: ['not a host'] }), 505, 'Invalid attribute value syntax; NAMESERVER0');
    // a list longer than the registry takes is refused, not cut short
    const fourteen = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`NAMESERVER${i}`, `ns${i}.example.net`]));
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'many-ns.com', ...fourteen }), 541, 'Invalid attribute value; NAMESERVER13: at most 13 (NAMESERVER0..NAMESERVER12)');
    const thirteen = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`NAMESERVER${i}`, `ns${i}.example.net`]));
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'many-ns.com', NAMESERVER: 'ns-bare.example.net', ...thirteen }), 541, 'Invalid attribute value; NAMESERVER: at most 13 (NAMESERVER0..NAMESERVER12)');
    expect(await effects()).toEqual({});
  });

  it('keeps up to three admin contacts (ADMINCONTACT0..2) and refuses a fourth', async () => {
    const c = demo();
    const { admin: a, tech: t, billing: b, owner: o } = SIM_DEFAULTS.contacts;
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'four-admins.com', ADMINCONTACT0: a, ADMINCONTACT1: t, ADMINCONTACT2: b, ADMINCONTACT3: o }), 541, /^Invalid attribute value; ADMINCONTACT3: at most 3/);
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'same-admin.com', ADMINCONTACT0: a, ADMINCONTACT1: a }), 540, 'Attribute value is not unique; ADMINCONTACT1');
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'four-admins.com', ADMINCONTACT: o, ADMINCONTACT1: t, ADMINCONTACT2: b, ADMINCONTACT0: a }), 200);
    // ADMINCONTACT alone is ADMINCONTACT0; beside ADMINCONTACT0 it is ignored, as for the other roles
    const four = await c.call({ COMMAND: 'StatusDomain', DOMAIN: 'four-admins.com' });
    expect(four.kind === 'reply' && four.reply.properties.ADMINCONTACT).toEqual([a, t, b]);
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'three-admins.com', ADMINCONTACT0: a, ADMINCONTACT1: t, ADMINCONTACT2: b }), 200);
    const status = await c.call({ COMMAND: 'StatusDomain', DOMAIN: 'three-admins.com' });
    expect(status.kind === 'reply' && status.reply.properties.ADMINCONTACT).toEqual([a, t, b]);
    expectCode(await c.call({ COMMAND: 'AddDomain', DOMAIN: 'one-admin.com' }), 200);
    const one = await c.call({ COMMAND: 'StatusDomain', DOMAIN: 'one-admin.com' });
    expect(one.kind === 'reply' && one.reply.properties.ADMINCONTACT).toEqual([a]);
  });

  it('answers 545 for an unknown contact handle or one of another account', async () => {
    const c = demo();
    expectCode(await c.addDomain({ domain: 'contact-a.com', ownerContact: 'P-NOSUCH' }), 545, 'Entity reference not found; OWNERCONTACT0');
    expectCode(await c.addDomain({ domain: 'contact-b.com', adminContact: 'OTHER-ADMIN' }), 545, 'Entity reference not found; ADMINCONTACT0');
    expectCode(await c.checkDomain('contact-a.com'), 210);
  });

  it('answers 546 when the credit does not cover the period, with no effect', async () => {
    const c = demo();
    await admin(simulator.handle(), 'POST', '/_sim/credit', { account: 'demo', amount: 15 });
    expectCode(await c.addDomain({ domain: 'too-dear.com', period: 2 }), 546, 'Credit limit exceeded');
    expectCode(await c.checkDomain('too-dear.com'), 210);
    expect(await credit()).toBe(15);
    expectCode(await c.addDomain({ domain: 'affordable.com', period: 1 }), 200);
    expect(await credit()).toBe(5);
  });

  it('sets clientTransferProhibited with TRANSFERLOCK=1', async () => {
    const c = demo();
    expectCode(await c.addDomain({ domain: 'locked.com', transferLock: true }), 200);
    const status = await c.statusDomain('locked.com');
    expect(status.kind === 'reply' && status.data?.transferLock).toBe(true);
    expect(status.kind === 'reply' && status.data?.status).toContain('clientTransferProhibited');
  });
});

describe('StatusDomain', () => {
  it('answers 200 with status, dates, transfer lock, name servers, contacts and the auth code for our domain', async () => {
    const c = demo();
    await c.addDomain({ domain: 'status-me.com', nameservers: ['ns1.domainflow.test'], auth: 'My-Auth-Code-1' });
    const outcome = await c.statusDomain('status-me.com');
    expectCode(outcome, 200);
    if (outcome.kind !== 'reply') return;
    for (const name of ['status', 'registration expiration date', 'renewal date', 'created date', 'transfer lock', 'nameserver', 'owner contact']) {
      expect(prop(outcome.reply, name), name).toBeDefined();
    }
    expect(prop(outcome.reply, 'auth')).toBe('My-Auth-Code-1');
    expect(outcome.data?.transferLock).toBe(false);
  });

  it('answers 545 for a name nobody holds and for one another account holds', async () => {
    const c = demo();
    expectCode(await c.statusDomain('nobody-has-it.com'), 545, 'Entity reference not found; nobody-has-it.com');
    expectCode(await c.statusDomain('example.com'), 545);
    const other = demo({ login: 'other', password: 'other-pw' });
    await c.addDomain({ domain: 'demo-only.com' });
    expectCode(await other.statusDomain('demo-only.com'), 545);
  });
});

describe('RenewDomain', () => {
  async function registered(name: string, period = 1): Promise<number> {
    const outcome = await demo().addDomain({ domain: name, period });
    if (outcome.kind !== 'reply' || !outcome.data?.expirationDate) throw new Error('registration failed');
    return Number(outcome.data.expirationDate.slice(0, 4));
  }

  it('renews by the period when EXPIRATION is the current expiration year, once', async () => {
    const c = demo();
    const year = await registered('renew-me.com');
    const outcome = await c.renewDomain('renew-me.com', 2, year);
    expectCode(outcome, 200);
    expect(outcome.kind === 'reply' && outcome.data?.expirationDate?.slice(0, 4)).toBe(String(year + 2));
    // The repeated renewal (a retry after a lost reply) names a year that is no longer current.
    expectCode(await c.renewDomain('renew-me.com', 2, year), 555, `Domain already renewed; current expiration year is ${year + 2}`);
    expect((await effects())['renew-me.com']?.renewed).toBe(1);
  });

  it('accepts a full date as EXPIRATION and compares its year', async () => {
    const c = demo();
    await registered('renew-date.com');
    const status = await c.statusDomain('renew-date.com');
    const date = status.kind === 'reply' ? status.data?.expirationDate : undefined;
    expectCode(await c.renewDomain('renew-date.com', 1, date!), 200);
    expectCode(await c.renewDomain('renew-date.com', 1, date!), 555);
    expectCode(await c.renewDomain('renew-date.com', 1, 'next year'), 505, 'Invalid attribute value syntax; EXPIRATION');
  });

  it('EXPIRATION is optional (no guard then); a year later than the current one is 541, not 555', async () => {
    const c = demo();
    const year = await registered('renew-free.com');
    expectCode(await c.renewDomain('renew-free.com', 1, year + 3), 541, `Invalid attribute value; EXPIRATION ${year + 3} is not the current expiration year (${year})`);
    expect((await effects())['renew-free.com']?.renewed).toBe(0);
    const outcome = await c.call({ COMMAND: 'RenewDomain', DOMAIN: 'renew-free.com', PERIOD: 1 });
    expectCode(outcome, 200);
    expect(outcome.kind === 'reply' && prop(outcome.reply, 'REGISTRATIONEXPIRATIONDATE')?.slice(0, 4)).toBe(String(year + 1));
    // without the guard a repeated renewal renews again: that is why the engine always sends it
    expectCode(await c.call({ COMMAND: 'RenewDomain', DOMAIN: 'renew-free.com', PERIOD: 1 }), 200);
    expect((await effects())['renew-free.com']?.renewed).toBe(2);
  });

  it('answers 548 when the expiration would lie more than 10 years ahead, 556 for a period over 10', async () => {
    const c = demo();
    const year = await registered('far-ahead.com', 9);
    expectCode(await c.renewDomain('far-ahead.com', 2, year), 548, /^Domain is not up for renewal/);
    expectCode(await c.renewDomain('far-ahead.com', 11, year), 556);
    expectCode(await c.renewDomain('far-ahead.com', 1, year), 200);
  });

  it('answers 545 for an unknown domain or another account’s, 552 when the status forbids, 546 without credit', async () => {
    const c = demo();
    expectCode(await c.renewDomain('never-registered.com', 1, 2030), 545);
    expectCode(await c.renewDomain('example.com', 1, new Date(simulator.handle().now()).getUTCFullYear() + 1), 545);
    const year = await registered('renew-locked.com');
    await admin(simulator.handle(), 'POST', '/_sim/domains/renew-locked.com', { status: ['ACTIVE', 'clientRenewProhibited'] });
    expectCode(await c.renewDomain('renew-locked.com', 1, year), 552, 'Domain status does not allow for operation; clientRenewProhibited');
    await admin(simulator.handle(), 'POST', '/_sim/domains/renew-locked.com', { status: ['ACTIVE'] });
    await admin(simulator.handle(), 'POST', '/_sim/credit', { account: 'demo', amount: 0 });
    expectCode(await c.renewDomain('renew-locked.com', 1, year), 546);
    expect((await effects())['renew-locked.com']?.renewed).toBe(0);
  });
});
