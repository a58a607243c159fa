// AddContact / StatusContact / CheckContact, CheckNameserver / AddNameserver,
// StatusAccount: handles, 214/215, 212/213, 540/545/550/551.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContactInput } from '../../src/registrar/client.ts';
import { prop } from '../../src/registrar/reply.ts';
import { SIM_DEFAULTS, startSim, type SimHandle } from '../../src/sandbox/index.ts';
import { Clients, expectCode , sharedSimHooks } from './sim-harness.ts';

let sim: SimHandle;
const clients = new Clients(() => sim);
const demo = () => clients.make();

const CONTACT: ContactInput = {
  firstname: 'Ada',
  lastname: 'Lovelace',
  organization: 'Analytical Engines Ltd',
  street: '12 Byron Road',
  city: 'London',
  zip: 'N1 1AA',
  country: 'GB',
  phone: '+44.2012345678',
  email: 'ada@example.org',
};

beforeAll(async () => {
  sim = await startSim({ port: 0, rate: 100_000, accounts: [{ login: 'other', password: 'other-pw' }] });
});
sharedSimHooks(() => sim, clients);


describe('contacts', () => {
  it('AddContact returns a handle that StatusContact shows, CheckContact says is taken, and AddDomain accepts', async () => {
    const c = demo();
    const added = await c.addContact(CONTACT);
    expectCode(added, 200);
    const handle = added.kind === 'reply' ? added.data?.handle : undefined;
    expect(handle).toMatch(/^P-[A-Z0-9]+$/);
    const status = await c.statusContact(handle!);
    expectCode(status, 200);
    expect(status.kind === 'reply' && prop(status.reply, 'email')).toBe('ada@example.org');
    expect(status.kind === 'reply' && status.data?.handle).toBe(handle);
    expectCode(await c.checkContact(handle!), 215, 'Contact not available');
    expectCode(await c.checkContact('P-NOT-THERE'), 214, 'Contact available');
    expectCode(await c.addDomain({ domain: 'ada.com', ownerContact: handle! }), 200);
  });

  it('the default contacts exist for the demo account', async () => {
    const c = demo();
    for (const handle of Object.values(SIM_DEFAULTS.contacts)) expectCode(await c.statusContact(handle), 200);
  });

  it('answers 504 for a missing field, 505 for a malformed one, 545 for an unknown or foreign handle', async () => {
    const c = demo();
    expectCode(await c.call({ COMMAND: 'AddContact', FIRSTNAME: 'A', LASTNAME: 'B' }), 504, 'Missing required attribute; STREET0');
    expectCode(await c.addContact({ ...CONTACT, email: 'not-an-email' }), 505, 'Invalid attribute value syntax; EMAIL');
    expectCode(await c.addContact({ ...CONTACT, phone: '0044 20 1234' }), 505, 'Invalid attribute value syntax; PHONE');
    expectCode(await c.addContact({ ...CONTACT, country: 'GBR' }), 505, 'Invalid attribute value syntax; COUNTRY');
    expectCode(await c.statusContact('P-NOT-THERE'), 545, 'Entity reference not found; CONTACT');
    expectCode(await c.statusContact('OTHER-OWNER'), 545);
    expectCode(await c.call({ COMMAND: 'CheckContact' }), 504, 'Missing required attribute; CONTACT');
  });
});

describe('name servers', () => {
  it('CheckNameserver answers 213 for an existing host and 212 for a new one; 505 for a malformed one', async () => {
    const c = demo();
    expectCode(await c.checkNameserver('ns1.domainflow.test'), 213, 'Name server not available');
    expectCode(await c.checkNameserver('ns9.somewhere.com'), 212, 'Name server available');
    expectCode(await c.checkNameserver('not a host'), 505);
  });

  it('AddNameserver needs the parent domain registered (550) and ours (551), and glue (504); a second add answers 540', async () => {
    const c = demo();
    expectCode(await c.addNameserver('ns1.unregistered-parent.com', ['192.0.2.1']), 550, 'Parent domain not registered; ns1.unregistered-parent.com');
    expectCode(await c.addNameserver('ns3.example.com', ['192.0.2.1']), 551);
    await c.addDomain({ domain: 'my-dns.com' });
    expectCode(await c.addNameserver('ns1.my-dns.com'), 504, 'Missing required attribute; IPADDRESS0');
    expectCode(await c.addNameserver('ns1.my-dns.com', ['300.1.1.1']), 505, 'Invalid attribute value syntax; IPADDRESS0');
    expectCode(await c.addNameserver('ns1.my-dns.com', ['192.0.2.10', '2001:db8::10']), 200);
    expectCode(await c.checkNameserver('ns1.my-dns.com'), 213);
    expectCode(await c.addNameserver('ns1.my-dns.com', ['192.0.2.10']), 540);
    // A domain with a host under it cannot be deleted.
    expectCode(await c.deleteDomain('my-dns.com'), 533, 'Domain name has active name servers; ns1.my-dns.com');
  });
});

describe('StatusAccount', () => {
  it('shows the credit balance, which registrations reduce', async () => {
    const c = demo();
    const first = await c.call({ COMMAND: 'StatusAccount' });
    expectCode(first, 200);
    const before = Number(first.kind === 'reply' ? prop(first.reply, 'amount') : NaN);
    expect(before).toBe(SIM_DEFAULTS.credit);
    await c.addDomain({ domain: 'costs-money.com', period: 3 });
    const after = await c.call({ COMMAND: 'StatusAccount' });
    expect(Number(after.kind === 'reply' ? prop(after.reply, 'amount') : NaN)).toBe(before - 3 * SIM_DEFAULTS.prices.register);
  });
});
