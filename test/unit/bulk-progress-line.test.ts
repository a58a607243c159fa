// What bulk --wait prints while a batch runs: counts, rate, elapsed time, and the summary.
import { describe, expect, it } from 'vitest';
import { formatCounts, formatDuration, formatProgressLine, formatRate, RateMeter } from '../../src/cli/bulk/progress-line.ts';
import { formatSummary, outcomeOf, tally } from '../../src/cli/bulk/summary.ts';
import type { OperationView, OpStatus } from '../../src/engine/operation.ts';

const counts = (c: Partial<Record<OpStatus, number>>): Record<OpStatus, number> => ({ queued: 0, running: 0, waiting: 0, succeeded: 0, failed: 0, cancelled: 0, ...c });

describe('progress line', () => {
  it('shows the statuses that have operations, in a fixed order', () => {
    expect(formatCounts(counts({ queued: 580, succeeded: 380, running: 8, failed: 32 }))).toBe('380 succeeded, 32 failed, 8 running, 580 queued');
    expect(formatCounts(counts({}))).toBe('nothing yet');
  });

  it('formats rates and durations', () => {
    expect(formatRate(undefined)).toBe('- ops/s');
    expect(formatRate(24.04)).toBe('24.0 ops/s');
    expect(formatRate(312.6)).toBe('313 ops/s');
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(42_400)).toBe('42s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_725_000)).toBe('1h02m');
  });

  it('gives done/total, percent, counts, rate, elapsed and what is left', () => {
    const line = formatProgressLine({ batch: 'b_1', total: 1000, counts: counts({ succeeded: 380, failed: 32, running: 8, queued: 580 }), elapsedMs: 17_200, rate: 24 });
    expect(line).toBe('batch b_1: 412/1000 done (41%) | 380 succeeded, 32 failed, 8 running, 580 queued | 24.0 ops/s | 17s elapsed, about 25s left');
    const done = formatProgressLine({ batch: 'b_1', total: 1000, counts: counts({ succeeded: 900, failed: 100 }), elapsedMs: 41_000, rate: 24 });
    expect(done).toBe('batch b_1: 1000/1000 done (100%) | 900 succeeded, 100 failed | 24.0 ops/s | 41s elapsed');
    const start = formatProgressLine({ batch: 'b_1', total: 10, counts: counts({ queued: 10 }), elapsedMs: 0, rate: undefined });
    expect(start).toBe('batch b_1: 0/10 done (0%) | 10 queued | - ops/s | 0s elapsed');
  });

  it('measures the rate over a sliding window', () => {
    const meter = new RateMeter(5_000);
    expect(meter.add(0, 0)).toBeUndefined();
    expect(meter.add(500, 10)).toBeUndefined(); // too early to say
    expect(meter.add(1_000, 20)).toBe(20);
    expect(meter.add(2_000, 40)).toBe(20);
    // a stall: the window forgets the fast start
    meter.add(6_000, 40);
    expect(meter.add(8_000, 40)).toBe(0);
  });
});

describe('summary', () => {
  const op = (status: OpStatus, type?: string): OperationView => ({
    id: `op_${Math.random()}`,
    type: 'register',
    domain: 'x.com',
    status,
    ...(type ? { failure: { type, code: 211, description: '', step: 'checkDomain' } } : {}),
    createdAt: '',
    updatedAt: '',
  });

  it('counts by status and by failure type, and gives the --json shape', () => {
    const ops = [op('succeeded'), op('succeeded'), op('failed', 'domain_not_available'), op('failed', 'domain_not_available'), op('failed', 'retries_exhausted'), op('cancelled', 'cancelled')];
    const t = tally(ops);
    expect(t.counts).toEqual(counts({ succeeded: 2, failed: 3, cancelled: 1 }));
    expect(t.byFailure).toEqual({ domain_not_available: 2, retries_exhausted: 1, cancelled: 1 });
    expect(outcomeOf('b_1', 6, 2, t)).toEqual({ batch: 'b_1', accepted: 6, rejected: 2, succeeded: 2, failed: 4, cancelled: 1 });
    expect(formatSummary('b_1', t, 3_000)).toEqual([
      'batch b_1: 6 operations in 3s (2.0 ops/s): 2 succeeded, 3 failed, 1 cancelled',
      '  not succeeded, by failure type:',
      '    domain_not_available  2',
      '    cancelled             1',
      '    retries_exhausted     1',
      '  redrive them: npx domainflow retry --batch b_1',
    ]);
  });
});
