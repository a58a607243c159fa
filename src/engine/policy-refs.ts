// Checkpoints carry an operation's machine snapshot, and its context carries the
// backoff policy the operation started with: about 500 bytes, the same for
// every operation a process runs. A checkpoint refers to that policy as
// `@<ref>` instead (ref: a hash of it), once the policy is stored under its ref
// in Redis, so that any process can restore the snapshot. Restoring puts the
// policy back: the process's own when the ref is its own, else the stored one.
//
// Should a stored policy be gone from Redis (a key deleted by hand, a failover
// that lost it), its operations go on under the restoring process's policy from
// then on (delays, attempts and deadlines), as a redrive would run them, and the
// log says so each time: that is better than an operation that fails every run,
// forever. A process stores its own policy again every minute it checkpoints, so
// a lost one comes back.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BackoffPolicy } from '../../machines/backoff.ts';
import { silentLogger, type Logger } from '../registrar/mask.ts';
import type { Keys } from './keys.ts';

type Persisted = { readonly context?: object };

/** How often a process that checkpoints stores its policy again. */
const RESAVE_MS = 60_000;

export function policyRef(policy: BackoffPolicy): string {
  return createHash('sha256').update(JSON.stringify(policy)).digest('base64url').slice(0, 16);
}

export class PolicyRefs {
  readonly ref: string;
  private stored: Promise<boolean> | undefined;
  private saved = false;
  private savedAt = 0;
  private readonly loaded = new Map<string, BackoffPolicy>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    readonly policy: BackoffPolicy,
    private readonly logger: Logger = silentLogger,
  ) {
    this.ref = policyRef(policy);
  }

  /** Store this process's policy under its ref (once); until that is done, checkpoints carry it whole. */
  save(): Promise<boolean> {
    this.stored ??= this.redis
      .set(this.keys.policy(this.ref), JSON.stringify(this.policy))
      .then(() => {
        this.savedAt = Date.now();
        return (this.saved = true);
      })
      .catch(() => {
        this.stored = undefined;
        return false;
      });
    return this.stored;
  }

  /** The snapshot to write: its policy as a ref when it is this process's policy and that is stored. */
  compact<T extends Persisted>(persisted: T): T {
    if (!this.saved || (persisted.context as { policy?: unknown } | undefined)?.policy !== this.policy) return persisted;
    if (Date.now() - this.savedAt > RESAVE_MS) this.resave();
    return { ...persisted, context: { ...persisted.context, policy: `@${this.ref}` } };
  }

  /** Store the policy again (it may have been lost since): in the background, at most once a RESAVE_MS. */
  private resave(): void {
    this.savedAt = Date.now();
    this.redis.set(this.keys.policy(this.ref), JSON.stringify(this.policy)).catch((err: unknown) => {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), ref: this.ref }, 'could not store the backoff policy again');
    });
  }

  /** The snapshot as written, with its policy back in place. */
  async expand<T extends Persisted>(persisted: T): Promise<T> {
    const p = (persisted.context as { policy?: unknown } | undefined)?.policy;
    if (typeof p !== 'string' || !p.startsWith('@')) return persisted;
    const ref = p.slice(1);
    let policy = ref === this.ref ? this.policy : this.loaded.get(ref);
    if (!policy) {
      const json = await this.redis.get(this.keys.policy(ref));
      if (json === null) {
        // not remembered: the process that stored it may store it again
        this.logger.warn({ ref, policy: this.ref }, `the backoff policy ${ref} a checkpoint refers to is not in Redis: the operation goes on under this process's policy`);
        return { ...persisted, context: { ...persisted.context, policy: this.policy } };
      }
      policy = JSON.parse(json) as BackoffPolicy;
      this.loaded.set(ref, policy);
    }
    return { ...persisted, context: { ...persisted.context, policy } };
  }
}
