// One operation a domain at a time: an operation owns its domain from its first
// step until it ends (begin-run and finish-run claim and hand it on); a later
// operation on the same domain is parked (delayed) and woken when the domain is
// handed to it.
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
    return `${this.keys.bullPrefix}:${this.keys.queue}:`;
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
