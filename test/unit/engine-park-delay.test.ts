// How long an operation waiting for its domain sleeps before it looks again when
// nobody hands the domain to it: soon at first, then less often, never past PARK_MS.
import { describe, expect, it } from 'vitest';
import { PARK_MS } from '../../src/engine/domain-lock.ts';
import { parkDelay } from '../../src/engine/runner.ts';

describe('parkDelay', () => {
  it('looks again within 250 ms of a fresh wait', () => {
    expect(parkDelay(0)).toBe(250);
    expect(parkDelay(999)).toBe(250);
  });

  it('grows with the wait (a quarter of it), so a long wait costs few looks', () => {
    expect(parkDelay(4_000)).toBe(1_000);
    expect(parkDelay(40_000)).toBe(10_000);
    expect(parkDelay(30_000)).toBeLessThan(parkDelay(40_000));
  });

  it('never sleeps past PARK_MS, even after days', () => {
    expect(parkDelay(120_000)).toBe(PARK_MS);
    expect(parkDelay(5 * 86_400_000)).toBe(PARK_MS);
  });
});
