// Group commit for checkpoints. Runs of many operations reach their checkpoint
// at the same moment (their replies came back in one read from the socket);
// instead of one script call each, the checkpoints asked for in one turn of the
// event loop go to Redis as one checkpoint call. Each is still written or
// refused on its own, atomically, before its command is sent, and the account's
// gate is read once for all of them. The cost: none in latency (the batch
// leaves as soon as the current turn's promise callbacks have run).
import type { EngineRedis } from './scripts.ts';

/** An operation's keys in the checkpoint script (see lua/run.ts): job, lock, history, cancel, domain owner, domain waiting. */
export type CheckpointKeys = readonly [string, string, string, string, string, string];

export interface CheckpointRequest {
  readonly keys: CheckpointKeys;
  readonly token: string;
  readonly data: string;
  readonly gate: '0' | '1';
  readonly id: string;
  readonly entries: readonly string[];
}

/** [status, ms, waiting], as the checkpoint script returns them for each operation. */
export type CheckpointResult = readonly [number, number, number];

/** At most this many checkpoints a call (6 keys each). */
const MAX_BATCH = 100;

interface Pending {
  readonly request: CheckpointRequest;
  resolve(result: CheckpointResult): void;
  reject(err: unknown): void;
}

export class Checkpointer {
  private pending: Pending[] = [];
  private scheduled = false;

  /** `breaker`, `lockPause`: the account's gate keys, shared by every checkpoint of this engine. */
  constructor(
    private readonly redis: EngineRedis,
    private readonly breaker: string,
    private readonly lockPause: string,
  ) {}

  write(request: CheckpointRequest): Promise<CheckpointResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
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
    for (let i = 0; i < all.length; i += MAX_BATCH) void this.send(all.length <= MAX_BATCH ? all : all.slice(i, i + MAX_BATCH));
  }

  private async send(batch: readonly Pending[]): Promise<void> {
    try {
      const keys: string[] = [this.breaker, this.lockPause];
      const args: (string | number)[] = [batch.length];
      for (const { request: r } of batch) {
        keys.push(...r.keys);
        args.push(r.token, r.data, r.gate, r.id, r.entries.length, ...r.entries);
      }
      const out = await this.redis.checkpoint(keys.length, ...keys, ...args);
      batch.forEach((p, i) => p.resolve([out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!]));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
