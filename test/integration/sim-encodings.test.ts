// Both request encodings (the SDKs' s_command block and flat fields), the
// HEXONET and CentralNic flavours, GET and POST on both paths, and a fuzz test:
// whatever is posted, the answer is HTTP 200 with a well-formed reply.
import fc from 'fast-check';
import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/codes.ts';
import { startSim, type SimHandle } from '../../src/sandbox/index.ts';
import { admin, expectWellFormed, form, post , sharedSimHooks } from './sim-harness.ts';

let sim: SimHandle;

beforeAll(async () => {
  sim = await startSim({ port: 0, rate: 100_000 });
});
sharedSimHooks(() => sim);

/** The s_command block as the official SDKs build it: KEY=VALUE lines joined with \n, URL-encoded as one field. */
function sdkBody(credentials: Record<string, string>, command: Record<string, string>, eol = '\n'): string {
  const block = Object.entries(command)
    .map(([k, v]) => `${k}=${v}`)
    .join(eol);
  return `${form(credentials)}&s_command=${encodeURIComponent(block)}`;
}

describe('request encodings', () => {
  it('accepts the s_command block posted as text/plain, as the node SDK sends it (CentralNic flavour)', async () => {
    const body = sdkBody({ s_login: 'demo', s_pw: 'demo' }, { COMMAND: 'CheckDomain', DOMAIN: 'example.com' });
    const r = await post(sim.url, body, 'text/plain;charset=UTF-8');
    expectWellFormed(r);
    expect(r.reply.code).toBe(211);
    expect(r.reply.description).toBe('Domain name not available');
  });

  it('accepts the HEXONET flavour: s_entity, s_login, s_pw and s_user with the s_command block', async () => {
    const body = sdkBody({ s_entity: '1234', s_login: 'demo', s_pw: 'demo', s_user: 'subuser1' }, { COMMAND: 'CheckDomain', DOMAIN: 'hexonet-style.com' });
    const r = await post(sim.url, body);
    expectWellFormed(r);
    expect(r.reply.code).toBe(210);
  });

  it('accepts s_sessionid with the s_command block after a persistent=1 login', async () => {
    const login = await post(sim.url, form({ s_entity: '54cd', s_login: 'demo', s_pw: 'demo', persistent: '1' }));
    expectWellFormed(login);
    const sessionId = login.reply.properties.SESSIONID?.[0];
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
    const r = await post(sim.url, sdkBody({ s_entity: '54cd', s_sessionid: sessionId! }, { COMMAND: 'CheckDomain', DOMAIN: 'google.com' }));
    expectWellFormed(r);
    expect(r.reply.code).toBe(211);
  });

  it('accepts flat fields in any order and case, and ignores s_opmode', async () => {
    const r = await post(sim.url, 'Domain=flat-form.net&s_opmode=OTE&COMMAND=checkdomain&s_pw=demo&S_LOGIN=demo');
    expectWellFormed(r);
    expect(r.reply.code).toBe(210);
  });

  it('accepts CRLF line ends, the block before the credentials, and SUBUSER inside the command', async () => {
    const block = encodeURIComponent('command=AddDomain\r\ndomain=crlf-block.com\r\nperiod=1\r\nSUBUSER=reseller1');
    const r = await post(sim.url, `s_command=${block}&s_pw=demo&s_login=demo`);
    expectWellFormed(r);
    expect(r.reply.code).toBe(200);
    expect(r.reply.properties.STATUS).toEqual(['ACTIVE']);
  });

  it('answers GET with the fields in the query string, on /api/call.cgi and /api/call', async () => {
    for (const path of ['/api/call.cgi', '/api/call']) {
      const r = await post(`${sim.baseUrl}${path}?${form({ s_login: 'demo', s_pw: 'demo', command: 'CheckDomain', domain: 'example.org' })}`, '', '', 'GET');
      expectWellFormed(r);
      expect(r.reply.code).toBe(211);
    }
  });

  it('maps roles login:role (CentralNic) and login!role (HEXONET) to the login account', async () => {
    const add = await post(sim.url, form({ s_login: 'demo:ops', s_pw: 'demo', command: 'AddDomain', domain: 'role-owned.com' }));
    expect(add.reply.code).toBe(200);
    const status = await post(sim.url, form({ s_login: 'demo!billing', s_pw: 'demo', command: 'StatusDomain', domain: 'role-owned.com' }));
    expectWellFormed(status);
    expect(status.reply.code).toBe(200);
    expect(status.reply.properties.OWNERCONTACT).toEqual(['DEMO-OWNER']);
  });

  it('converts a Unicode domain name to its IDN form', async () => {
    const add = await post(sim.url, form({ s_login: 'demo', s_pw: 'demo', command: 'AddDomain', domain: 'bücher-test.de' }));
    expect(add.reply.code).toBe(200);
    const check = await post(sim.url, form({ s_login: 'demo', s_pw: 'demo', command: 'CheckDomain', domain: 'xn--bcher-test-9db.de' }));
    expect(check.reply.code).toBe(211);
  });

  it('answers 530 to missing or wrong credentials, whatever the encoding', async () => {
    for (const body of [
      form({ command: 'CheckDomain', domain: 'x.com' }),
      form({ s_login: 'demo', s_pw: 'wrong', command: 'CheckDomain', domain: 'x.com' }),
      sdkBody({ s_login: 'nobody', s_pw: 'demo' }, { COMMAND: 'CheckDomain', DOMAIN: 'x.com' }),
      form({ s_sessionid: 'not-a-session', command: 'CheckDomain', domain: 'x.com' }),
    ]) {
      const r = await post(sim.url, body);
      expectWellFormed(r);
      expect(r.reply.code).toBe(530);
      expect(r.reply.description).toBe('Authentication failed');
    }
  });

  it('answers 507 to an undecodable s_command, 500 to an unknown command and 504 to a missing one', async () => {
    const bad = await post(sim.url, 's_login=demo&s_pw=demo&s_command=' + encodeURIComponent('COMMAND=CheckDomain\nno equals sign here'));
    expectWellFormed(bad);
    expect(bad.reply.code).toBe(507);
    expect(bad.reply.description).toMatch(/^Invalid command format; /);
    const unknown = await post(sim.url, form({ s_login: 'demo', s_pw: 'demo', command: 'FlyToTheMoon' }));
    expect(unknown.reply.code).toBe(500);
    expect(unknown.reply.description).toBe('Invalid command name; FlyToTheMoon');
    const none = await post(sim.url, form({ s_login: 'demo', s_pw: 'demo' }));
    expect(none.reply.code).toBe(504);
    expect(none.reply.description).toBe('Missing required attribute; COMMAND');
  });

  it('answers 507 to a body larger than 1 MiB, still with HTTP 200', async () => {
    const r = await post(sim.url, `s_login=demo&s_pw=demo&command=CheckDomain&domain=${'a'.repeat(1100 * 1024)}.com`);
    expectWellFormed(r);
    expect(r.reply.code).toBe(507);
  });

  it('answers 507 to a GET whose head is too large for the HTTP parser, still with HTTP 200 (not 431), counted and logged', async () => {
    const before = (await admin<{ byCode: Record<string, number> }>(sim, 'GET', '/_sim/stats')).json.byCode['507'] ?? 0;
    const res = await request(`${sim.url}?s_login=demo&s_pw=demo&command=CheckDomain&domain=${'a'.repeat(40 * 1024)}.com`);
    expect(res.statusCode).toBe(200);
    const text = await res.body.text();
    expect(text).toMatch(/^\[RESPONSE\]\ncode = 507\ndescription = Invalid command format; request too large\n/);
    expect(text.trimEnd().endsWith('EOF')).toBe(true);
    expect((await admin<{ byCode: Record<string, number> }>(sim, 'GET', '/_sim/stats')).json.byCode['507']).toBe(before + 1);
    // the server carries on
    const after = await post(sim.url, form({ s_login: 'demo', s_pw: 'demo', command: 'CheckDomain', domain: 'after-big-get.com' }));
    expect(after.reply.code).toBe(210);
  });

  it('answers 404 only for paths that are neither the API nor an admin endpoint', async () => {
    const res = await request(`${sim.baseUrl}/nothing-here`);
    await res.body.text();
    expect(res.statusCode).toBe(404);
    const unknownAdmin = await admin(sim, 'GET', '/_sim/no-such-thing');
    expect(unknownAdmin.status).toBe(404);
    expect(unknownAdmin.json).toHaveProperty('error');
  });
});

describe('fuzz', () => {
  const keys = ['COMMAND', 'DOMAIN', 'DOMAIN0', 'DOMAIN1', 'DOMAIN32', 'PERIOD', 'EXPIRATION', 'AUTH', 'ACTION', 'FIRST', 'LIMIT', 'LAST', 'NAMESERVER0', 'CONTACT', 'OWNERCONTACT0', 'TRANSFERLOCK', 'IPADDRESS0', 'EMAIL', 'PHONE'];
  const commands = ['CheckDomain', 'CheckDomains', 'AddDomain', 'RenewDomain', 'TransferDomain', 'StatusDomainTransfer', 'CheckDomainTransfer', 'StatusDomain', 'DeleteDomain', 'QueryDomainList', 'AddContact', 'StatusContact', 'CheckContact', 'CheckNameserver', 'AddNameserver', 'StopSession', 'Nonsense'];
  const value = fc.oneof(
    fc.constantFrom(...commands),
    fc.constantFrom('example.com', 'fuzz.com', 'bücher.de', '-bad-.com', 'a..b', '', '1', '11', '0', '-1', '2027', 'INSTANT', 'REQUEST', 'DENY', 'sim-transfer-ok', 'DEMO-OWNER'),
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
  const command = fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), value, { maxKeys: 6 });
  const credentials = fc.constantFrom<Record<string, string>>({ s_login: 'demo', s_pw: 'demo' }, { s_login: 'demo', s_pw: 'x' }, {}, { persistent: '1', s_login: 'demo', s_pw: 'demo' });

  it('answers every structured request with a well-formed reply and a code from the table', async () => {
    await fc.assert(
      fc.asyncProperty(credentials, command, fc.boolean(), fc.constantFrom('\n', '\r\n'), async (creds, cmd, asBlock, eol) => {
        const body = asBlock
          ? sdkBody(creds, cmd, eol)
          : `${form(creds)}&${new URLSearchParams(Object.entries(cmd)).toString()}`;
        const r = await post(sim.url, body, asBlock ? 'text/plain;charset=UTF-8' : 'application/x-www-form-urlencoded');
        expectWellFormed(r);
        const c = classify(r.reply.code);
        expect(c.ok && c.known, `code ${r.reply.code} is in the seed table`).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('answers arbitrary text and bytes with a well-formed reply', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 300 })), async (body) => {
        const r = await post(sim.url, typeof body === 'string' ? `s_login=demo&s_pw=demo&${body}` : body, 'application/octet-stream');
        expectWellFormed(r);
      }),
      { numRuns: 400 },
    );
  });
});
