// bulk --wait: follow a batch until every operation has ended. On a terminal
// a progress bar (cli-progress, redrawn about twice a second); otherwise a
// plain line every couple of seconds, so that logs and CI output stay readable.
import { Presets, SingleBar } from 'cli-progress';
import type { BatchSummary, Batches } from '../../engine/batches.ts';
import { endedCount, formatCounts, formatProgressLine, formatRate, RateMeter, type ProgressSample } from './progress-line.ts';

export interface WatchOptions {
  /** A progress bar (stderr is a terminal) or plain lines. */
  readonly tty: boolean;
  /** Where plain lines go. */
  readonly print: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  readonly lineEveryMs?: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The last summary seen: done, or where it was when `signal` aborted. */
export async function watchBatch(batches: Batches, batch: string, options: WatchOptions): Promise<BatchSummary> {
  const pollMs = options.pollMs ?? 500;
  const lineEveryMs = options.lineEveryMs ?? 2_000;
  const started = Date.now();
  const meter = new RateMeter();
  const bar = options.tty
    ? new SingleBar(
        { format: 'batch {batch} [{bar}] {value}/{total} {percentage}% | {counts} | {rate} | {elapsed}', stream: process.stderr, hideCursor: true, barsize: 30, fps: 4, clearOnComplete: false },
        Presets.shades_classic,
      )
    : undefined;
  let lastLine = 0;
  let summary: BatchSummary | undefined;
  try {
    for (;;) {
      const next = await batches.progress(batch);
      if (!next) throw new Error(`batch ${batch} not found`);
      summary = next;
      const now = Date.now();
      const ended = endedCount(summary.counts);
      const sample: ProgressSample = { batch, total: summary.total, counts: summary.counts, elapsedMs: now - started, rate: meter.add(now, ended) };
      if (bar) {
        const payload = { batch, counts: formatCounts(summary.counts), rate: formatRate(sample.rate), elapsed: `${Math.round(sample.elapsedMs / 1000)}s` };
        if (lastLine === 0) bar.start(summary.total, ended, payload);
        else bar.update(ended, payload);
        lastLine = now;
      } else if (summary.done || lastLine === 0 || now - lastLine >= lineEveryMs) {
        options.print(formatProgressLine(sample));
        lastLine = now;
      }
      if (summary.done || options.signal?.aborted) return summary;
      await sleep(pollMs, options.signal);
    }
  } finally {
    bar?.stop();
  }
}
