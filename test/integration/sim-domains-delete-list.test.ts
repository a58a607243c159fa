// DeleteDomain and QueryDomainList over HTTP with the RegistrarClient: every
// code they answer.
import { describe, expect, it } from 'vitest';
import { admin, domainCommandsSim, expectCode } from './sim-harness.ts';

const simulator = domainCommandsSim();
const { demo, effects } = simulator;

describe('DeleteDomain', () => {
  it('deletes our domain at once: 200 with status, the name is free again', async () => {
    const c = demo();
    await c.addDomain({ domain: 'delete-me.com' });
    const outcome = await c.deleteDomain('delete-me.com', 'INSTANT');
    expectCode(outcome, 200);
    expect(outcome.kind === 'reply' && outcome.data?.status).toEqual(['DELETED']);
    expectCode(await c.checkDomain('delete-me.com'), 210);
    expectCode(await c.deleteDomain('delete-me.com'), 545);
    expect((await effects())['delete-me.com']).toEqual({ registered: 1, renewed: 0, transferred: 0, deleted: 1 });
  });

  it('answers 552 for clientDeleteProhibited, 557 for serverDeleteProhibited, 545 for another account’s, 506 for an unknown ACTION', async () => {
    const c = demo();
    await c.addDomain({ domain: 'keep-me.com' });
    await admin(simulator.handle(), 'POST', '/_sim/domains/keep-me.com', { status: ['ACTIVE', 'clientDeleteProhibited'] });
    expectCode(await c.deleteDomain('keep-me.com'), 552, 'Domain status does not allow for operation; clientDeleteProhibited');
    await admin(simulator.handle(), 'POST', '/_sim/domains/keep-me.com', { status: ['ACTIVE', 'serverDeleteProhibited'] });
    expectCode(await c.deleteDomain('keep-me.com'), 557, 'Object status prohibits operation; serverDeleteProhibited');
    expectCode(await c.deleteDomain('example.com'), 545);
    expectCode(await c.deleteDomain('keep-me.com', 'SOMETIME'), 506, 'Invalid option value; ACTION SOMETIME');
    expect((await effects())['keep-me.com']?.deleted).toBe(0);
  });

  it('answers 553 while a transfer of the domain is pending', async () => {
    const c = demo();
    await c.addDomain({ domain: 'leaving.com', auth: 'Leaving-Auth-1' });
    const other = demo({ login: 'other', password: 'other-pw' });
    expectCode(await other.transferDomain({ domain: 'leaving.com', auth: 'Leaving-Auth-1' }), 200);
    expectCode(await c.deleteDomain('leaving.com'), 553, 'Operation not allowed. Domain pending transfer');
  });
});

describe('QueryDomainList', () => {
  it('lists only our domains, sorted, paged by FIRST and LIMIT, with the list properties', async () => {
    const c = demo();
    for (const name of ['d.com', 'a.com', 'c.net', 'b.com', 'e.net']) expectCode(await c.addDomain({ domain: name }), 200);
    const page = await c.queryDomainList({ first: 1, limit: 2 });
    expectCode(page, 200);
    if (page.kind !== 'reply') return;
    expect(page.data?.rows.map((r) => r.DOMAIN)).toEqual(['b.com', 'c.net']);
    expect(page.data).toMatchObject({ first: 1, last: 2, count: 2, limit: 2, total: 5, nextFirst: 3 });
    expect(page.reply.properties.COLUMN).toEqual(['domain', 'registration expiration date']);
    const nets = await c.queryDomainList({ pattern: '*.net' });
    expect(nets.kind === 'reply' && nets.data?.rows.map((r) => r.DOMAIN)).toEqual(['c.net', 'e.net']);
    const end = await c.queryDomainList({ first: 4, limit: 10 });
    expect(end.kind === 'reply' && end.data).toMatchObject({ count: 1, total: 5, nextFirst: undefined });
  });

  it('refuses LAST with 503 and bad FIRST/LIMIT with 505/541', async () => {
    const c = demo();
    expectCode(await c.call({ COMMAND: 'QueryDomainList', FIRST: 0, LAST: 10 }), 503, 'Invalid attribute name; LAST');
    expectCode(await c.call({ COMMAND: 'QueryDomainList', FIRST: 'one' }), 505, 'Invalid attribute value syntax; FIRST');
    expectCode(await c.call({ COMMAND: 'QueryDomainList', LIMIT: 0 }), 541, 'Invalid attribute value; LIMIT');
  });
});
