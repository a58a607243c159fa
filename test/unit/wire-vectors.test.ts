// Every reply recorded from the registrar's test system by its official SDK
// (../shared/vectors/cnr/*.json) parses to the right code, description and properties.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistrarClient } from '../../src/registrar/client.ts';
import { readDomainChecks, readList } from '../../src/registrar/list.ts';
import { parseReply, prop, type Reply } from '../../src/registrar/reply.ts';

const DIR = resolve(import.meta.dirname, '../../../shared/vectors/cnr');
type Vector = { raw: string; error: string | null };
const vectors = (name: string): Vector[] => JSON.parse(readFileSync(resolve(DIR, `${name}.json`), 'utf8')) as Vector[];

function parsed(raw: string): Reply {
  const r = parseReply(raw);
  if (!r.ok) throw new Error(r.error.message);
  return r.reply;
}

const ACCOUNT_PROPS = {
  AMOUNT: ['100219.89'],
  CREDIT: ['0.00'],
  CREDITTHRESHOLD: ['22000.00'],
  CURRENCY: ['GBP'],
  REGISTRAR: ['qmtest'],
  VAT: ['19.00'],
};

// file -> expected parse of each recorded reply (transport failures are checked below)
const EXPECTED: Record<string, { code: number; description: string; properties?: Record<string, string[]>; runtime?: number }[]> = {
  'code-tmperror-dbg': [{ code: 200, description: 'Command completed successfully', properties: ACCOUNT_PROPS, runtime: 0.004 }],
  'code-tmperror-nodbg': [{ code: 200, description: 'Command completed successfully', properties: ACCOUNT_PROPS, runtime: 0.006 }],
  'resolve-connection-url': [{ code: 200, description: 'Command completed successfully', properties: ACCOUNT_PROPS }],
  'flatten-command': [
    {
      code: 200,
      description: 'Command completed successfully',
      properties: {
        COLUMN: ['domaincheck', 'domainchecktime'],
        DOMAINCHECK: ['211 Domain name not available', '211 Domain name not available'],
        DOMAINCHECKTIME: ['0', '0'],
      },
    },
  ],
  'idn-convert': [
    {
      code: 200,
      description: 'Command completed successfully',
      properties: {
        COLUMN: ['domaincheck', 'domainchecktime'],
        DOMAINCHECK: ['211 Domain name not available', '541 Invalid attribute value', '211 Domain name not available'],
        DOMAINCHECKTIME: ['0', '0', '0'],
      },
    },
  ],
  'idn-convert-1a': [{ code: 545, description: 'Entity reference not found', properties: {} }],
  'idn-convert-2': [{ code: 503, description: 'Invalid attribute name; LIMIT', properties: {} }],
  'next-page-last': [{ code: 503, description: 'Invalid attribute name; LAST', properties: {} }],
  'login-creds-ok': [
    {
      code: 200,
      description: 'Command completed successfully',
      properties: { EXPIRATIONDATE: ['2026-07-25 07:46:34'], SESSIONID: ['6cc52071518eb990c3a85cb4530417a4'] },
    },
  ],
  'login-role-creds-ok': [
    {
      code: 200,
      description: 'Command completed successfully',
      properties: { EXPIRATIONDATE: ['2026-07-25 07:46:36'], SESSIONID: ['934e29292bf57daa51e2f21d593cb948'] },
    },
  ],
  'logout-fail': [{ code: 530, description: 'Authentication failed', properties: {} }],
  'logout-ok': [
    { code: 200, description: 'Command completed successfully', properties: { EXPIRATIONDATE: ['2026-07-25 07:46:40'], SESSIONID: ['5acb7a151aa7d3740727bf5038097e9f'] } },
    { code: 200, description: 'Command completed successfully', properties: {} },
  ],
  'set-context': [
    {
      code: 200,
      description: 'Command completed successfully',
      properties: { COLUMN: ['domaincheck', 'domainchecktime'], DOMAINCHECK: ['211 Domain name not available'], DOMAINCHECKTIME: ['0'] },
    },
  ],
};
const LISTS = ['all-pages', 'next-page-no-first', 'next-page-no-last'];
const TRANSPORT_FAILURES = ['conn-error', 'sort-command-params'];

describe('recorded registrar replies', () => {
  it('the test covers every vector file', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    expect(files).toEqual([...Object.keys(EXPECTED), ...LISTS, ...TRANSPORT_FAILURES].sort());
  });

  it.each(Object.entries(EXPECTED))('%s parses to the right code, description and properties', (name, expected) => {
    const replies = vectors(name).map((v) => parsed(v.raw));
    expect(replies).toHaveLength(expected.length);
    replies.forEach((reply, i) => {
      const e = expected[i]!;
      expect(reply.code).toBe(e.code);
      expect(reply.description).toBe(e.description);
      if (e.properties) expect({ ...reply.properties }).toEqual(e.properties);
      if (e.runtime !== undefined) expect(reply.runtime).toBe(e.runtime);
    });
  });

  it('CheckDomains results read per name, including a per-name error code', () => {
    const checks = readDomainChecks(parsed(vectors('idn-convert')[0]!.raw));
    expect(checks.map((c) => c.code)).toEqual([211, 541, 211]);
    expect(checks[1]!.description).toBe('Invalid attribute value');
  });

  it('all-pages: 19 pages of a 1858-domain list, contiguous, every page as its count says', () => {
    const pages = vectors('all-pages').map((v) => readList(parsed(v.raw)));
    expect(pages).toHaveLength(19);
    let expectedFirst = 0;
    const domains: string[] = [];
    for (const page of pages) {
      expect(page.columns).toEqual(['DOMAIN']);
      expect(page.first).toBe(expectedFirst);
      expect(page.rows).toHaveLength(page.count);
      expect(page.last).toBe(page.first + page.count - 1);
      expect(page.total).toBe(1858);
      expect(page.limit).toBe(100);
      domains.push(...page.rows.map((r) => r.DOMAIN!));
      expectedFirst = page.nextFirst ?? -1;
    }
    expect(expectedFirst).toBe(-1); // the last page has no next
    expect(domains).toHaveLength(1858);
    expect(new Set(domains).size).toBe(1858);
    expect(domains[0]).toBe('0005251.com');
    expect(domains.at(-1)).toBe('zugondeez.fr');
  });

  it.each(['next-page-no-first', 'next-page-no-last'])('%s: two pages of two, paging by FIRST/LIMIT', (name) => {
    const [p1, p2] = vectors(name).map((v) => readList(parsed(v.raw)));
    expect(p1!.rows.map((r) => r.DOMAIN)).toEqual(['0005251.com', '02023.no']);
    expect(p1!.nextFirst).toBe(2);
    expect(p2!.rows.map((r) => r.DOMAIN)).toEqual(['05153.fm', '1.im']);
    expect(p2!.first).toBe(2);
    expect(p2!.nextFirst).toBe(4);
    expect(prop(parsed(vectors(name)[0]!.raw), 'total')).toBe('1858');
  });

  it.each(TRANSPORT_FAILURES)('%s (a transport failure, empty body) is an uncertain outcome, not a reply', async (name) => {
    const [vector] = vectors(name);
    expect(vector!.error).toMatch(/\S/);
    expect(parseReply(vector!.raw).ok).toBe(false);
    // The same thing through the client: a server answering with the recorded (empty) body.
    const server = createServer((_req, res) => res.end(vector!.raw));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const client = new RegistrarClient({ url: `http://127.0.0.1:${port}/api/call.cgi`, login: 'l', password: 'p' });
    try {
      const outcome = await client.checkDomain('example.com');
      expect(outcome).toMatchObject({ kind: 'uncertain', class: 'temporary', code: 423, reason: 'empty_body' });
    } finally {
      await client.close();
      server.close();
    }
  });

  it('a connection that cannot be made (conn-error) is an uncertain outcome with code 421', async () => {
    const client = new RegistrarClient({ url: 'http://127.0.0.1:1/api/call.cgi', login: 'l', password: 'p', timeoutMs: 2000 });
    try {
      const outcome = await client.checkDomain('example.com');
      expect(outcome).toMatchObject({ kind: 'uncertain', class: 'temporary', code: 421, reason: 'connection_refused' });
    } finally {
      await client.close();
    }
  });
});
