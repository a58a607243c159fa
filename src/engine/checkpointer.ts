// Group commit for checkpoints. Runs of many operations reach their checkpoint
// at the same moment (their replies came back in one read from the socket);
// instead of one script call each, the checkpoints asked for in one turn of the
// event loop go to Redis as one checkpoint-many call. Each is still written or
// refused on its own, atomically, before its command is sent; a lone checkpoint
// takes the plain script. The cost: none in latency (the batch leaves as soon as
// the current turn's promise callbacks have run).
import type { EngineRedis } from './scripts.ts';

/** checkpoint's KEYS[1..8] (see lua/run.ts). */
export type CheckpointKeys = readonly [string, string, string, string, string, string, string, string];

export interface CheckpointRequest {
  readonly keys: CheckpointKeys;
  readonly token: string;
  readonly data: string;
  readonly gate: '0' | '1';
  readonly id: string;
  readonly entries: readonly string[];
}

/** [status, ms, waiting], as the checkpoint script returns them. */
export type CheckpointResult = readonly [number, number, number];

/** At most this many checkpoints a call (8 keys each). */
const MAX_BATCH = 100;

interface Pending extends CheckpointRequest {
  resolve(result: CheckpointResult): void;
  reject(err: unknown): void;
}

export class Checkpointer {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly redis: EngineRedis) {}

  write(request: CheckpointRequest): Promise<CheckpointResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(() => this.flush());
      }
    });
  }

  private flush(): void {
    const all = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (let i = 0; i < all.length; i += MAX_BATCH) void this.send(all.slice(i, i + MAX_BATCH));
  }

  private async send(batch: readonly Pending[]): Promise<void> {
    try {
      if (batch.length === 1) {
        const r = batch[0]!;
        const [status, ms, waiting] = await this.redis.checkpoint(...r.keys, r.token, r.data, r.gate, r.id, ...r.entries);
        r.resolve([status, ms, waiting]);
        return;
      }
      const keys = batch.flatMap((r) => r.keys);
      const args = batch.flatMap((r) => [r.token, r.data, r.gate, r.id, r.entries.length, ...r.entries]);
      const out = await this.redis.checkpointMany(keys.length, ...keys, batch.length, ...args);
      batch.forEach((r, i) => r.resolve([out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!]));
    } catch (err) {
      for (const r of batch) r.reject(err);
    }
  }
}
