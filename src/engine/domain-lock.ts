// One operation a domain at a time: an operation owns its domain from its
// submission (or, when another operation held it then, from its first run) until
// it ends. Submission and begin-run claim it; finish-run hands it on when others
// wait, else it is released lazily (an ended owner does not hold it). A later
// operation on the same domain is parked (delayed) and woken when the domain is
// handed to it, or looks again after parkDelay.
import type { Queue } from 'bullmq';
import type { Keys } from './keys.ts';
import type { EngineRedis } from './scripts.ts';

/** A parked operation also wakes after this, in case a wake-up was lost with a crashed worker. */
export const PARK_MS = 30_000;

export class DomainLocks {
  constructor(
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
    private readonly queue: Queue,
  ) {}

  get jobPrefix(): string {
    return this.keys.jobPrefix;
  }

  /**
   * Operations about to be submitted claim their domains, in order, in one round trip (callers
   * pass a few hundred at most: a claim holds for PENDING_CLAIM_MS before its job exists): true
   * for each that owns its domain now; the others wait their turn (begin-run). `now`: the
   * submission time (the order in which operations wait for a domain).
   */
  async claimForSubmission(items: readonly { readonly domain: string; readonly id: string }[], now = Date.now()): Promise<boolean[]> {
    const keys = items.flatMap(({ domain }) => [this.keys.domainLock(domain), this.keys.domainQueue(domain)]);
    const args = items.flatMap(({ id }) => [id, now]);
    const out = await this.redis.claimDomains(keys.length, ...keys, this.jobPrefix, this.keys.noticeChannel, ...args);
    const owns: boolean[] = [];
    for (let j = 0; j < items.length; j++) {
      owns.push(out[2 * j] === 1);
      await this.wake(out[2 * j + 1] as string);
    }
    return owns;
  }

  /** Give the domain up (a cancelled operation); the next waiting operation owns it and is woken. */
  async release(domain: string, id: string): Promise<void> {
    const k = this.keys;
    await this.wake(await this.redis.releaseDomain(k.domainLock(domain), k.domainQueue(domain), id, this.jobPrefix));
  }

  /** Promote a parked (delayed) operation that was just given its domain. */
  async wake(id: string | null | undefined): Promise<void> {
    if (!id) return;
    const job = await this.queue.getJob(id);
    await job?.promote().catch(() => undefined);
  }

  async owner(domain: string): Promise<string | null> {
    return this.redis.get(this.keys.domainLock(domain));
  }
}
