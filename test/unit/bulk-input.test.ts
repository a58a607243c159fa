import { describe, expect, it } from 'vitest';
import { detectFormat, parseBulk, splitCsvLine } from '../../src/operations/bulk-input.ts';

describe('parseBulk', () => {
  it('reads CSV with a header, reports bad lines by number and keeps the rest', () => {
    const text = ['op,domain,period,auth,ns', 'register,good.com,2,,ns1.x.net;ns2.x.net', 'register,-bad.com', 'transfer,t.com,1,"se,cret"', 'renew,r.com,11', '', 'delete,d.com'].join('\r\n');
    const r = parseBulk(text);
    expect(r.format).toBe('csv');
    expect(r.items.map((i) => [i.line, i.submission.type, i.submission.domain])).toEqual([
      [2, 'register', 'good.com'],
      [4, 'transfer', 't.com'],
      [7, 'delete', 'd.com'],
    ]);
    expect(r.items[0]!.submission).toMatchObject({ period: 2, ns: ['ns1.x.net', 'ns2.x.net'] });
    expect(r.items[1]!.submission.auth).toBe('se,cret');
    expect(r.rejected.map((x) => [x.line, x.field])).toEqual([
      [3, 'domain'],
      [5, 'period'],
    ]);
    expect(r.rejected[0]!.error).toMatch(/^domain: /);
  });

  it('refuses a CSV header without op and domain, naming the columns', () => {
    expect(parseBulk('name,years\nx.com,1').rejected[0]).toMatchObject({ line: 1, error: expect.stringMatching(/unknown column\(s\) name, years/) });
    expect(parseBulk('domain\nx.com').rejected[0]!.error).toMatch(/needs the columns op and domain/);
  });

  it('reads NDJSON with "op" or "type", and reports unparseable lines', () => {
    const r = parseBulk('{"op":"register","domain":"a.com"}\nnot json\n{"type":"transfer","domain":"b.com"}\n');
    expect(r.format).toBe('ndjson');
    expect(r.items.map((i) => i.line)).toEqual([1]);
    expect(r.rejected).toEqual([
      { line: 2, error: 'line: not valid JSON' },
      { line: 3, error: 'auth: is required for a transfer', field: 'auth' },
    ]);
  });

  it('reads a JSON array, positions as line numbers', () => {
    const r = parseBulk('[{"type":"register","domain":"a.com"},{"type":"register","domain":"a..com"}]');
    expect(r.format).toBe('json');
    expect(r.items).toHaveLength(1);
    expect(r.rejected[0]!.line).toBe(2);
    expect(parseBulk('{"not":"an array"').rejected[0]!.error).toMatch(/not valid JSON/);
    expect(parseBulk('[1,2]').rejected.map((x) => x.line)).toEqual([1, 2]);
  });

  it('never echoes an auth code in an error', () => {
    const r = parseBulk('op,domain,auth\nregister,a.com,TOPSECRET-123');
    expect(JSON.stringify(r.rejected)).not.toContain('TOPSECRET-123');
    expect(r.rejected[0]!.field).toBe('auth');
  });

  it('detects formats and splits quoted CSV fields', () => {
    expect(detectFormat('  [')).toBe('json');
    expect(detectFormat('{"a":1}')).toBe('ndjson');
    expect(detectFormat('op,domain')).toBe('csv');
    expect(splitCsvLine('a,"b,c","d ""e"""')).toEqual(['a', 'b,c', 'd "e"']);
    expect(splitCsvLine('a,"unclosed')).toBeUndefined();
  });
});

describe('parseBulk errors', () => {
  it('does not quote malformed JSON, which may hold an auth code', () => {
    const r = parseBulk('[{"type":"transfer","domain":"a.com","auth":"SECRET-AUTH-99"');
    expect(r.rejected).toEqual([{ line: 1, error: 'body: not valid JSON' }]);
    const n = parseBulk('{"type":"transfer","auth":"SECRET-AUTH-99",}');
    expect(JSON.stringify(n.rejected)).not.toContain('SECRET-AUTH-99');
  });
});
