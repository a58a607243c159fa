// Counters kept in memory and added to the Redis hash about once a second, in
// one MULTI (HINCRBY a field): the per-command cost is a Map update, never a
// Redis round trip. What a flush could not add goes back for the next one;
// the pending map holds one entry per series, so it stays small while Redis
// is away. (A reply lost after Redis ran the MULTI can count a flush twice:
// metrics, not bookkeeping.)
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../registrar/mask.ts';

export interface RecorderOptions {
  readonly intervalMs?: number;
  readonly logger?: Logger;
}

/** How long close() waits for a last flush when Redis does not answer. */
const CLOSE_FLUSH_TIMEOUT_MS = 2_000;

export class MetricsRecorder {
  private pending = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly logger: Logger;

  constructor(
    private readonly redis: Pick<Redis, 'multi'>,
    private readonly key: string,
    options: RecorderOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.timer = setInterval(() => void this.flush(), options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  add(field: string, n = 1): void {
    this.pending.set(field, (this.pending.get(field) ?? 0) + n);
  }

  /** Add what is pending to Redis; resolves when this flush (or the one under way) is done. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    const entries = [...batch];
    const multi = this.redis.multi();
    for (const [name, n] of entries) multi.hincrby(this.key, name, n);
    this.flushing = multi
      .exec()
      .then((results) => {
        if (results === null) throw new Error('MULTI aborted');
        // Redis runs the rest of a MULTI when one command fails: put back only what failed.
        const failed = entries.filter((_, i) => results[i]?.[0]);
        for (const [name, n] of failed) this.add(name, n);
        if (failed.length) this.logger.warn({ err: String(results.find(([err]) => err)?.[0]), fields: failed.length }, 'metrics flush partly failed; retrying');
      })
      .catch((err: unknown) => {
        // Not run (aborted, or no connection): put the counts back for the next flush.
        for (const [name, n] of entries) this.add(name, n);
        this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'metrics flush failed; retrying');
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Stop the timer and flush what is left (giving up after a moment when Redis is away). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_FLUSH_TIMEOUT_MS);
      timer.unref();
    });
    const last = (async () => {
      await this.flushing;
      await this.flush();
    })();
    await Promise.race([last, giveUp]);
    clearTimeout(timer);
  }
}
