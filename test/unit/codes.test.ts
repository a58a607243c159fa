import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_LEVEL_CODES, classify, CODES, codeInfo, CONNECTION_CLOSING_CODES, describe as describeCode } from '../../src/codes.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SEED = resolve(ROOT, '../shared/seed/return-codes.txt');

/** The seed's `NNN | description |` rows, read independently of src/codes.ts. */
function seedRows(): { code: number; description: string }[] {
  return readFileSync(SEED, 'utf8')
    .split('\n')
    .map((line) => /^(\d{3}) \| (.*) \|$/.exec(line.replace(/\r$/, '')))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ code: Number(m[1]), description: m[2] ?? '' }));
}

describe('return-code table', () => {
  it('holds every seed code with its exact description, in seed order', () => {
    const seed = seedRows();
    expect(seed).toHaveLength(56);
    expect(CODES.map((c) => ({ code: c.code, description: c.description }))).toEqual(seed);
  });

  it('classes every code by its first digit', () => {
    for (const c of CODES) {
      const expected = { '2': 'success', '4': 'temporary', '5': 'permanent' }[String(c.code)[0] as '2' | '4' | '5'];
      expect(c.class, String(c.code)).toBe(expected);
    }
  });

  it('gives every code a unique snake_case type', () => {
    const types = CODES.map((c) => c.type);
    expect(new Set(types).size).toBe(types.length);
    for (const t of types) expect(t).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    expect(codeInfo(554)?.type).toBe('domain_already_registered');
    expect(codeInfo(546)?.type).toBe('credit_limit_exceeded');
    expect(codeInfo(422)?.type).toBe('abuse_lock');
    expect(codeInfo(211)?.type).toBe('domain_not_available');
  });

  it('marks the codes with account-wide and connection effects', () => {
    expect([...ACCOUNT_LEVEL_CODES].sort()).toEqual([530, 531, 535, 546]);
    expect([...CONNECTION_CLOSING_CODES].sort()).toEqual([220, 420, 520, 521]);
  });

  it('describe() gives the exact description and refuses unknown codes', () => {
    expect(describeCode(545)).toBe('Entity reference not found');
    expect(() => describeCode(599)).toThrow(/599/);
  });
});

describe('classify', () => {
  it('classifies known codes from the table, as numbers or strings', () => {
    expect(classify(210)).toMatchObject({ ok: true, class: 'success', type: 'domain_available', known: true });
    expect(classify('422')).toMatchObject({ ok: true, class: 'temporary', type: 'abuse_lock' });
    expect(classify(' 556 ')).toMatchObject({ ok: true, class: 'permanent', type: 'max_period_exceeded' });
  });

  it('classifies unknown 2xx/4xx/5xx codes by their first digit', () => {
    expect(classify(299)).toMatchObject({ ok: true, class: 'success', known: false, type: 'unknown_success' });
    expect(classify(499)).toMatchObject({ ok: true, class: 'temporary', known: false });
    expect(classify('599')).toMatchObject({ ok: true, class: 'permanent', known: false });
  });

  it.each([100, 300, 600, 999, 20, 2000, '2x0', '', '200 OK', 200.5, -200, null, undefined, {}, [], NaN, true])(
    'refuses %j as a protocol error',
    (input) => {
      const c = classify(input);
      expect(c.ok).toBe(false);
      expect(c.class).toBe('protocol_error');
    },
  );
});

describe('domainflow codes', () => {
  it('--json prints all 56 seed codes as { code, description, class, type }', () => {
    const out = execFileSync(process.execPath, [resolve(ROOT, 'bin/domainflow.js'), 'codes', '--json'], { encoding: 'utf8' });
    const table = JSON.parse(out) as { code: number; description: string; class: string; type: string }[];
    expect(table.map(({ code, description }) => ({ code, description }))).toEqual(seedRows());
    for (const row of table) expect(Object.keys(row).sort()).toEqual(['class', 'code', 'description', 'type']);
  });

  it('prints a readable table without --json', () => {
    const out = execFileSync(process.execPath, [resolve(ROOT, 'bin/domainflow.js'), 'codes'], { encoding: 'utf8' });
    expect(out).toContain('554  permanent  domain_already_registered');
    expect(out.trim().split('\n')).toHaveLength(57);
  });
});
