// One stop for the first Ctrl-C or SIGTERM, the same signal forwarded again ignored,
// one pressed later stopping the process at once; the handlers stay attached throughout.
import { afterEach, expect, it, vi } from 'vitest';
import { closeUnlessRedisGone, onStopSignal, REPEAT_MS } from '../../src/stop-signals.ts';

let off: (() => void) | undefined;
afterEach(() => {
  off?.();
  vi.useRealTimers();
});

it('stops on the first signal, ignores the forwarded repeat, and forces on a later one', () => {
  vi.useFakeTimers({ now: 1_000_000 });
  const stops: string[] = [];
  const forces: string[] = [];
  const before = process.listenerCount('SIGINT');
  off = onStopSignal(
    (s) => stops.push(s),
    (s) => forces.push(s),
  );
  process.emit('SIGINT', 'SIGINT');
  expect(stops).toEqual(['SIGINT']);
  // npm or npx forward the same Ctrl-C: still listened to, and ignored
  vi.setSystemTime(1_000_000 + 20);
  expect(process.listenerCount('SIGINT')).toBe(before + 1);
  process.emit('SIGINT', 'SIGINT');
  process.emit('SIGTERM', 'SIGTERM');
  expect(stops).toEqual(['SIGINT']);
  expect(forces).toEqual([]);
  // pressed again later: the clean stop takes too long
  vi.setSystemTime(1_000_000 + REPEAT_MS);
  process.emit('SIGTERM', 'SIGTERM');
  expect(forces).toEqual(['SIGTERM']);
  expect(stops).toEqual(['SIGINT']);
  off();
  off = undefined;
  expect(process.listenerCount('SIGINT')).toBe(before);
});

it('closeUnlessRedisGone: waits for a close that takes its time while Redis answers, gives up once Redis has been gone long enough', async () => {
  vi.useFakeTimers();
  try {
    let up = true;
    let finish!: () => void;
    const slow = closeUnlessRedisGone(
      () => up,
      () => new Promise<void>((r) => (finish = r)),
      1_000,
    );
    await vi.advanceTimersByTimeAsync(10_000);
    finish();
    expect(await slow).toBe('closed');

    const hanging = closeUnlessRedisGone(
      () => up,
      () => new Promise<void>(() => undefined),
      1_000,
    );
    // a blip shorter than the limit does not count
    up = false;
    await vi.advanceTimersByTimeAsync(750);
    up = true;
    await vi.advanceTimersByTimeAsync(500);
    up = false;
    let settled: string | undefined;
    void hanging.then((how) => (settled = how));
    await vi.advanceTimersByTimeAsync(750);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(500);
    expect(settled).toBe('abandoned');
  } finally {
    vi.useRealTimers();
  }
});
