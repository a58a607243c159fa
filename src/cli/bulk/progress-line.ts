// How bulk --wait shows a batch as it runs: counts by status, a rate in
// operations a second over the last few seconds, and the elapsed time.
import type { OpStatus } from '../../engine/operation.ts';

export const STATUS_ORDER: readonly OpStatus[] = ['succeeded', 'failed', 'cancelled', 'running', 'waiting', 'queued'];

export interface ProgressSample {
  readonly batch: string;
  readonly total: number;
  readonly counts: Readonly<Record<OpStatus, number>>;
  readonly elapsedMs: number;
  /** operations ended a second; undefined until there is enough to say */
  readonly rate: number | undefined;
}

export function endedCount(counts: Readonly<Record<OpStatus, number>>): number {
  return counts.succeeded + counts.failed + counts.cancelled;
}

/** `900 succeeded, 100 failed, 3 running`: the statuses that have operations, in a fixed order. */
export function formatCounts(counts: Readonly<Record<OpStatus, number>>): string {
  const parts = STATUS_ORDER.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'nothing yet';
}

export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return '- ops/s';
  return `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)} ops/s`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The plain line printed every couple of seconds when the output is not a terminal. */
export function formatProgressLine(p: ProgressSample): string {
  const ended = endedCount(p.counts);
  const pct = p.total > 0 ? Math.floor((100 * ended) / p.total) : 100;
  const eta = p.rate && p.rate > 0 && ended < p.total ? `, about ${formatDuration(((p.total - ended) / p.rate) * 1000)} left` : '';
  return `batch ${p.batch}: ${ended}/${p.total} done (${pct}%) | ${formatCounts(p.counts)} | ${formatRate(p.rate)} | ${formatDuration(p.elapsedMs)} elapsed${eta}`;
}

/** Operations ended a second over a sliding window of recent samples. */
export class RateMeter {
  private readonly samples: { at: number; done: number }[] = [];

  constructor(private readonly windowMs = 5_000) {}

  add(at: number, done: number): number | undefined {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const span = at - first.at;
    if (span < 900) return undefined;
    return ((done - first.done) * 1000) / span;
  }
}
