// Domain names as the registry sees them, and the sim clock's date arithmetic.
import { describe, expect, it } from 'vitest';
import { addYears, SimClock, wireDate, yearOf } from '../../src/sandbox/clock.ts';
import { echo, normalizeName, parentCandidates, patternMatcher } from '../../src/sandbox/domain-name.ts';

describe('normalizeName', () => {
  it.each([
    ['example.com', 'example.com'],
    ['  EXAMPLE.Com. ', 'example.com'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['a-b.co.uk', 'a-b.co.uk'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
    ['x.xn--p1ai', 'x.xn--p1ai'],
  ])('%s -> %s', (raw, name) => {
    expect(normalizeName(raw)).toBe(name);
  });

  it.each(['', 'com', '.com', 'a..com', '-a.com', 'a-.com', 'a_b.com', 'a b.com', 'a.c0m', 'a.c', `${'a'.repeat(64)}.com`, `${'a.'.repeat(127)}com`])('refuses %j', (raw) => {
    expect(normalizeName(raw)).toBeUndefined();
  });
});

describe('names helpers', () => {
  it('lists the registrable parents of a host, longest first', () => {
    expect(parentCandidates('ns1.a.example.com')).toEqual(['a.example.com', 'example.com']);
    expect(parentCandidates('example.com')).toEqual([]);
  });

  it('matches QueryDomainList patterns with * % and ?', () => {
    const nets = patternMatcher('*.net');
    expect([nets('a.net'), nets('a.com'), nets('anet')]).toEqual([true, false, false]);
    expect(patternMatcher('a?c.com')('abc.com')).toBe(true);
    expect(patternMatcher('a%')('a.b.c')).toBe(true);
    expect(patternMatcher('a+b.com')('a+b.com')).toBe(true);
    expect(patternMatcher(undefined)('anything')).toBe(true);
  });

  it('matches a Unicode pattern against the Unicode form of a stored (ASCII) name too', () => {
    const stored = normalizeName('bücher-t.de')!;
    expect(stored).toBe('xn--bcher-t-n2a.de');
    expect(patternMatcher('bücher*')(stored)).toBe(true);
    expect(patternMatcher('BÜCHER-?.de')(stored)).toBe(true);
    expect(patternMatcher('bücher*')('xn--bcher-kva.com')).toBe(true);
    expect(patternMatcher('bücher*')('buecher.de')).toBe(false);
    // the same letter written as u and a combining diaeresis
    expect(patternMatcher('bu\u0308cher*')(stored)).toBe(true);
    // the ASCII form matches as before
    expect(patternMatcher('xn--bcher*')(stored)).toBe(true);
  });

  it('echo makes request text one printable short line', () => {
    expect(echo('a\r\nb\u0000c')).toBe('a b c');
    expect(echo('x'.repeat(50), 10)).toBe('xxxxxxxxxx...');
  });
});

describe('sim clock and dates', () => {
  it('moves forward only', () => {
    const clock = new SimClock();
    const before = clock.now();
    clock.advance(86_400_000);
    expect(clock.now() - before).toBeGreaterThanOrEqual(86_400_000);
    expect(clock.offsetMs).toBe(86_400_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('writes dates as the registrar does and adds years like a calendar', () => {
    const t = Date.UTC(2024, 1, 29, 7, 5, 9);
    expect(wireDate(t)).toBe('2024-02-29 07:05:09');
    expect(wireDate(addYears(t, 1))).toBe('2025-02-28 07:05:09');
    expect(wireDate(addYears(t, 4))).toBe('2028-02-29 07:05:09');
    expect(yearOf(addYears(Date.UTC(2026, 10, 30), 10))).toBe(2036);
  });
});
