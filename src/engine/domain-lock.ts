// One operation a domain at a time: an operation owns its domain from its first
// step until it ends; a later operation on the same domain is parked (delayed)
// and woken when the domain is handed to it.
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

  private get jobPrefix(): string {
    return `${this.keys.bullPrefix}:${this.keys.queue}:`;
  }

  /** True when the operation owns the domain; false when it must wait its turn (it is queued for it). */
  async claim(domain: string, id: string, submittedAt: number): Promise<boolean> {
    const k = this.keys;
    const [owns, handedTo] = await this.redis.claimDomain(k.domainLock(domain), k.domainQueue(domain), id, this.jobPrefix, submittedAt);
    if (handedTo && handedTo !== id) await this.wake(handedTo);
    return owns === 1;
  }

  /** Give the domain up; the next waiting operation owns it and is woken. */
  async release(domain: string, id: string): Promise<void> {
    const k = this.keys;
    const next = await this.redis.releaseDomain(k.domainLock(domain), k.domainQueue(domain), id, this.jobPrefix);
    if (next) await this.wake(next);
  }

  private async wake(next: string): Promise<void> {
    const job = await this.queue.getJob(next);
    if (!job) return;
    // Only a parked (delayed) job needs waking; one in another state will get there by itself.
    await job.promote().catch(() => undefined);
  }

  async owner(domain: string): Promise<string | null> {
    return this.redis.get(this.keys.domainLock(domain));
  }
}
