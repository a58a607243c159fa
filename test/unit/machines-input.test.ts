// Submitting an operation (src/operations/input.ts): normalisation, and errors
// that name the field and say what is wrong.
import { describe, expect, it } from 'vitest';
import { normalizeDomainName, parseSubmission } from '../../src/operations/input.ts';

const ok = (raw: unknown) => {
  const r = parseSubmission(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('parseSubmission: valid', () => {
  it('normalises the domain: IDN to punycode, lower case, no trailing dot', () => {
    expect(ok({ type: 'register', domain: 'Bücher.DE.' }).domain).toBe('xn--bcher-kva.de');
    expect(ok({ type: 'register', domain: 'münchen。de' }).domain).toBe('xn--mnchen-3ya.de');
    expect(ok({ type: 'renew', domain: ' Example.COM ' }).domain).toBe('example.com');
    expect(ok({ type: 'renew', domain: 'xn--bcher-kva.de' }).domain).toBe('xn--bcher-kva.de');
    // an IDN top-level label, given in Unicode or as punycode
    expect(ok({ type: 'register', domain: 'пример.рф' }).domain).toBe('xn--e1afmkfd.xn--p1ai');
    expect(ok({ type: 'register', domain: 'a-b--c.xn--p1ai' }).domain).toBe('a-b--c.xn--p1ai');
  });

  it('period defaults to 1 and accepts a numeric string; empty fields are absent', () => {
    expect(ok({ type: 'register', domain: 'a.com' })).toEqual({ type: 'register', domain: 'a.com', period: 1 });
    expect(ok({ type: 'renew', domain: 'a.com', period: '3', auth: '', ns: null, key: null })).toEqual({ type: 'renew', domain: 'a.com', period: 3 });
  });

  it('keeps auth, name servers, key and contacts where they belong', () => {
    expect(ok({ type: 'transfer', domain: 'a.com', auth: 'Ab#1 x?9', key: 'batch-7:line-3' })).toEqual({
      type: 'transfer',
      domain: 'a.com',
      period: 1,
      auth: 'Ab#1 x?9',
      key: 'batch-7:line-3',
    });
    expect(ok({ type: 'register', domain: 'a.com', ns: 'NS1.Example.net, ns2.example.net', contacts: { owner: 'P-ABC.1', tech: 'x:y_z' } })).toMatchObject({
      ns: ['ns1.example.net', 'ns2.example.net'],
      contacts: { owner: 'P-ABC.1', tech: 'x:y_z' },
    });
  });
});

const cases: Array<[string, unknown, string, RegExp]> = [
  ['an empty idempotency key', { type: 'renew', domain: 'a.com', key: '' }, 'key', /^key: must not be empty \(leave it out for no key\)$/],
  ['an expiration that is no date', { type: 'renew', domain: 'a.com', expiration: '2027-13-01' }, 'expiration', /^expiration: 2027-13-01 is not a date$/],
  ['an expiration on a day the month lacks', { type: 'renew', domain: 'a.com', expiration: '2027-02-29 10:00' }, 'expiration', /^expiration: 2027-02-29 10:00 is not a date$/],
  ['an expiration at an hour no day has', { type: 'renew', domain: 'a.com', expiration: '2027-02-28T24:00' }, 'expiration', /^expiration: 2027-02-28T24:00 is not a date$/],
  ['not an object', 'register a.com', 'submission', /^submission: must be an object$/],
  ['unknown type', { type: 'park', domain: 'a.com' }, 'type', /^type: must be one of register, renew, transfer, delete$/],
  ['missing domain', { type: 'register' }, 'domain', /^domain: is required$/],
  ['domain not a string', { type: 'register', domain: 7 }, 'domain', /^domain: must be a string$/],
  ['label with a leading hyphen', { type: 'register', domain: '-bad.com' }, 'domain', /^domain: label "-bad" must not start or end with "-"$/],
  ['label with a trailing hyphen', { type: 'register', domain: 'bad-.com' }, 'domain', /^domain: label "bad-" must not/],
  ['underscore', { type: 'register', domain: 'a_b.com' }, 'domain', /^domain: label "a_b" may only contain a-z, 0-9 and "-"$/],
  ['one label', { type: 'register', domain: 'localhost' }, 'domain', /^domain: must have at least two labels/],
  ['empty label', { type: 'register', domain: 'a..com' }, 'domain', /^domain: has an empty label/],
  ['numeric TLD', { type: 'register', domain: 'example.123' }, 'domain', /^domain: top-level label "123" must be two or more letters, or an IDN label \(xn--\)$/],
  ['one-letter TLD', { type: 'register', domain: 'ok.c' }, 'domain', /^domain: top-level label "c" must be two or more letters/],
  ['TLD with a digit', { type: 'register', domain: 'ok.c0m' }, 'domain', /^domain: top-level label "c0m" must be two or more letters/],
  ['reserved "--" outside an IDN label', { type: 'register', domain: 'ab--cd.com' }, 'domain', /^domain: label "ab--cd" has "--" in its third and fourth places, which only IDN labels \(xn--\) may$/],
  ['punycode that decodes to nothing', { type: 'register', domain: 'xn--a.com' }, 'domain', /^domain: label "xn--a" is not valid punycode$/],
  ['label too long', { type: 'register', domain: `${'a'.repeat(64)}.com` }, 'domain', /^domain: label "a{20}\.\.\." is longer than 63 characters$/],
  ['name too long', { type: 'register', domain: `${Array(5).fill('a'.repeat(60)).join('.')}.com` }, 'domain', /^domain: is longer than 253 characters/],
  ['bad punycode', { type: 'register', domain: 'xn--zz.com' }, 'domain', /^domain: label "xn--zz" is not valid punycode$/],
  ['period too big', { type: 'register', domain: 'a.com', period: 11 }, 'period', /^period: must be an integer from 1 to 10, got 11$/],
  ['period zero', { type: 'renew', domain: 'a.com', period: 0 }, 'period', /^period: must be an integer from 1 to 10, got 0$/],
  ['period fraction', { type: 'renew', domain: 'a.com', period: 1.5 }, 'period', /^period: must be an integer/],
  ['period text', { type: 'renew', domain: 'a.com', period: 'two' }, 'period', /^period: must be an integer from 1 to 10, got "two"$/],
  ['period on delete', { type: 'delete', domain: 'a.com', period: 2 }, 'period', /^period: a deletion takes no period$/],
  ['transfer without auth', { type: 'transfer', domain: 'a.com' }, 'auth', /^auth: is required for a transfer$/],
  ['auth too long', { type: 'transfer', domain: 'a.com', auth: 'x'.repeat(65) }, 'auth', /^auth: must be 1 to 64 printable/],
  ['auth with a control character', { type: 'transfer', domain: 'a.com', auth: 'ab\ncd' }, 'auth', /^auth: must be 1 to 64 printable/],
  ['auth on register', { type: 'register', domain: 'a.com', auth: 'abc' }, 'auth', /^auth: only a transfer takes an auth code/],
  ['bad name server', { type: 'register', domain: 'a.com', ns: ['ns1.a.com', 'ns_2.a.com'] }, 'ns', /^ns: "ns_2\.a\.com" is not a valid host name: label "ns_2"/],
  ['too many name servers', { type: 'register', domain: 'a.com', ns: Array.from({ length: 14 }, (_, i) => `ns${i}.a.com`) }, 'ns', /^ns: at most 13 name servers, got 14$/],
  ['duplicate name server', { type: 'register', domain: 'a.com', ns: ['ns1.a.com', 'NS1.a.com'] }, 'ns', /^ns: "ns1\.a\.com" is listed twice$/],
  ['name servers on renew', { type: 'renew', domain: 'a.com', ns: ['ns1.a.com'] }, 'ns', /^ns: only a registration takes name servers/],
  ['bad contact handle', { type: 'register', domain: 'a.com', contacts: { owner: 'has space' } }, 'contacts.owner', /^contacts\.owner: must be a contact handle/],
  ['unknown contact role', { type: 'register', domain: 'a.com', contacts: { reseller: 'X' } }, 'contacts.reseller', /^contacts\.reseller: unknown field$/],
  ['key too long', { type: 'delete', domain: 'a.com', key: 'k'.repeat(201) }, 'key', /^key: must be 1 to 200 characters$/],
  ['unknown field', { type: 'renew', domain: 'a.com', perod: 2 }, 'perod', /^perod: unknown field$/],
];

describe('parseSubmission: invalid, with the field named', () => {
  it.each(cases)('%s', (_name, raw, field, message) => {
    const r = parseSubmission(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.field).toBe(field);
    expect(r.error).toMatch(message);
  });

  it('never echoes an auth code', () => {
    const r = parseSubmission({ type: 'transfer', domain: 'a.com', auth: `s3cret${'x'.repeat(70)}` });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('s3cret');
  });
});

describe('normalizeDomainName', () => {
  it('accepts the longest legal name and label', () => {
    const label = 'a'.repeat(63);
    const name = `${label}.${label}.${label}.${'b'.repeat(57)}.com`;
    expect(name.length).toBe(253);
    expect(normalizeDomainName(name)).toEqual({ ok: true, value: name });
  });
});
