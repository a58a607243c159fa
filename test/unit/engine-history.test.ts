import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyEntry, isoTime } from '../../src/engine/history.ts';

describe('history lines', () => {
  it('write the time as Date#toISOString does, for any millisecond in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 253_402_300_800_500 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 999 }), (times, step) => {
        // close times (the cache's case) and far ones
        for (const t of times.flatMap((t) => [t, t + step, t + 1, Math.max(0, t - 1)])) expect(isoTime(t)).toBe(new Date(t).toISOString());
      }),
      { numRuns: 300 },
    );
    for (const t of [0, 999, 1000, 1001, Date.UTC(2026, 10, 30, 23, 59, 59, 999), Date.UTC(2026, 11, 1)]) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });

  it('mask secrets and keep the reply, flattened', () => {
    const line = historyEntry('TransferDomain', 'transfer', { kind: 'reply', code: 200, description: 'ok', properties: {} }, 12.4, { DOMAIN: 'x.com', AUTH: 'secret!', NAMESERVER: ['a', 'b'] }, 2);
    expect(line).toMatchObject({ command: 'TransferDomain', step: 'transfer', code: 200, ms: 12, attempt: 2, params: { DOMAIN: 'x.com', AUTH: '***', NAMESERVER0: 'a', NAMESERVER1: 'b' } });
    expect(JSON.stringify(line)).not.toContain('secret!');
    expect(Date.parse(line.at)).toBeGreaterThan(Date.UTC(2026, 0, 1));
    const unsure = historyEntry('AddDomain', 'addDomain', { kind: 'uncertain', code: 421, reason: 'timeout', description: 'no reply' }, 0, { DOMAIN: 'x.com' }, 1);
    expect(unsure.uncertain).toBe('timeout');
  });
});
