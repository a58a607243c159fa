// The sliding-window rate limit with its lock, the connection cap, and the
// seeded fault plan.
import { describe, expect, it } from 'vitest';
import { AccountLimits } from '../../src/sandbox/account-limits.ts';
import { FaultPlan } from '../../src/sandbox/faults.ts';
import { createRandom } from '../../src/sandbox/prng.ts';

describe('AccountLimits', () => {
  it('admits `rate` commands in any one-second window; the next one locks the account for lockMs', () => {
    const limits = new AccountLimits({ rate: 3, lockMs: 5000, maxConnections: 2 });
    expect([0, 400, 800].map((t) => limits.admit('a', t))).toEqual(['ok', 'ok', 'ok']);
    // The window slides: at 1001 the command at 0 has left it.
    expect(limits.admit('a', 1001)).toBe('ok');
    expect(limits.admit('a', 1100)).toBe('lock-triggered');
    expect(limits.lockedUntil('a')).toBe(6100);
    expect(limits.admit('a', 6099)).toBe('locked');
    expect(limits.admit('b', 6099)).toBe('ok');
    // After the lock the window starts empty.
    expect([6100, 6101, 6102].map((t) => limits.admit('a', t))).toEqual(['ok', 'ok', 'ok']);
    expect(limits.admit('a', 6103)).toBe('lock-triggered');
  });

  it('caps open connections per account and frees a place when one closes', () => {
    const limits = new AccountLimits({ rate: 10, lockMs: 1000, maxConnections: 2 });
    expect([limits.openConnection('a'), limits.openConnection('a'), limits.openConnection('a')]).toEqual([true, true, false]);
    expect(limits.openConnection('b')).toBe(true);
    limits.closeConnection('a');
    expect(limits.openConnection('a')).toBe(true);
    expect(limits.connections()).toEqual({ a: 2, b: 1 });
    limits.reset();
    expect(limits.connections()).toEqual({ a: 2, b: 1 });
    expect(limits.admit('a', 0)).toBe('ok');
  });
});

describe('FaultPlan', () => {
  const draw = (plan: FaultPlan, n: number) => Array.from({ length: n }, () => plan.next());

  it('replays the same sequence for the same seed, and again after reset', () => {
    const settings = { tempFailRate: 0.2, dropRate: 0.2, latencyMs: 0 };
    const a = new FaultPlan(99, { ...settings });
    const b = new FaultPlan(99, { ...settings });
    const first = draw(a, 200);
    expect(draw(b, 200)).toEqual(first);
    a.reset();
    expect(draw(a, 200)).toEqual(first);
    expect(draw(new FaultPlan(100, { ...settings }), 200)).not.toEqual(first);
  });

  it('injects at about the given rates, and nothing when they are zero', () => {
    const plan = new FaultPlan(5, { tempFailRate: 0.25, dropRate: 0.5, latencyMs: 0 });
    const faults = draw(plan, 20_000);
    const temp = faults.filter((f) => f.tempFail !== undefined).length / faults.length;
    const drops = faults.filter((f) => f.drop).length / faults.length;
    expect(temp).toBeGreaterThan(0.23);
    expect(temp).toBeLessThan(0.27);
    // A drop is drawn only when there was no temporary failure: 0.75 * 0.5.
    expect(drops).toBeGreaterThan(0.35);
    expect(drops).toBeLessThan(0.4);
    expect(new Set(faults.map((f) => f.tempFail).filter(Boolean))).toEqual(new Set([420, 421, 423]));
    expect(draw(new FaultPlan(5, { tempFailRate: 0, dropRate: 0, latencyMs: 0 }), 100).every((f) => !f.drop && f.tempFail === undefined)).toBe(true);
  });

  it('the PRNG is deterministic and spreads over [0, 1)', () => {
    const r = createRandom(1);
    const values = Array.from({ length: 1000 }, r);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(createRandom(1)()).toBe(values[0]);
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeGreaterThan(0.45);
  });
});
