// Group commit for checkpoints. Runs of many operations reach their checkpoint
// at the same moment (their replies came back in one read from the socket);
// instead of one script call each, the checkpoints asked for in one turn of the
// event loop go to Redis as one checkpoint call. Each is still written or
// refused on its own, atomically, before its command is sent, and the account's
// gate is read once for all of them. The cost: none in latency (the batch
// leaves as soon as the current turn's promise callbacks have run).
import type { Keys } from './keys.ts';
import type { EngineRedis } from './scripts.ts';

export interface CheckpointRequest {
  readonly id: string;
  readonly domain: string;
  readonly token: string;
  readonly data: string;
  /** Pass the account's gate first: nothing is written while it is shut. */
  readonly gate: boolean;
  /**
   * The snapshot took the operation's cancel (it cancels at the registrar now): the cancel flag
   * is deleted with the write instead of refusing it. Never with `gate`.
   */
  readonly takeCancel?: boolean;
  /** Renew the domain owner's expiry (OWNER_TTL_MS); not needed while it was set recently. */
  readonly renewOwner: boolean;
  readonly entries: readonly string[];
}

/** [status, ms, waiting], as the checkpoint script returns them for each operation. */
export type CheckpointResult = readonly [number, number, number];

/** At most this many checkpoints a call. */
const MAX_BATCH = 100;

interface Pending {
  readonly request: CheckpointRequest;
  resolve(result: CheckpointResult): void;
  reject(err: unknown): void;
}

export class Checkpointer {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly head: readonly string[];

  constructor(
    private readonly redis: EngineRedis,
    keys: Keys,
    /** The job lock's duration: a checkpoint written renews the lock for that long. */
    readonly lockMs: number,
  ) {
    // KEYS: the account's gate; ARGV[1..4]: the prefixes the script builds each operation's keys
    // from; ARGV[5]: the lock's duration
    this.head = [keys.breaker, keys.lockPause, ...keys.checkpointPrefixes, String(Math.round(lockMs))];
  }

  write(request: CheckpointRequest): Promise<CheckpointResult> {
    // One request that the script could not read would fail the whole call: refuse it alone.
    const { id, domain, token, data, entries } = request;
    if (typeof id !== 'string' || typeof domain !== 'string' || typeof token !== 'string' || typeof data !== 'string' || !entries.every((e) => typeof e === 'string')) {
      return Promise.reject(new TypeError(`checkpoint of ${String(id)}: id, domain, token, data and history entries must be strings`));
    }
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
      const args: string[] = [];
      for (const { request: r } of batch) {
        args.push(r.token, r.data, r.takeCancel === true ? '2' : r.gate ? '1' : '0', r.id, r.domain, r.renewOwner ? '1' : '0', String(r.entries.length));
        for (const e of r.entries) args.push(e);
      }
      const [breaker, lockPause, jobs, history, cancel, domains, lockMs] = this.head as [string, string, string, string, string, string, string];
      const out = await this.redis.checkpoint(breaker, lockPause, jobs, history, cancel, domains, lockMs, ...args);
      batch.forEach((p, i) => p.resolve([out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!]));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
