// One stop for the first Ctrl-C or SIGTERM, the same signal forwarded again ignored,
// one pressed later stopping the process at once; the handlers stay attached throughout.
import { afterEach, expect, it, vi } from 'vitest';
import { onStopSignal, REPEAT_MS } from '../../src/stop-signals.ts';

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
