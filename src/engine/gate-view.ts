// A process's view of its account's gate (breaker, 422 cool-down), kept fresh by
// a Redis channel: whoever opens or closes the breaker or starts a cool-down
// publishes on it in the same transaction (Account, announced), and every worker
// process re-reads the gate at once; and read again every HEARTBEAT_MS besides.
// An operation that owns its domain starts its run on this view instead of a
// round trip to Redis (begin-run); while the view is not known to be fresh (not
// subscribed yet, connection lost, a message being handled) it says "ask Redis".
// Effects stay behind the authoritative check: the checkpoint before a
// state-changing command passes the gate in Redis, except a first run's first
// effect, which a fresh view lets go (first-run.ts). The same
// connection hears the account's notices (cancels, waiters: Notices).
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '../registrar/mask.ts';
import type { Keys } from './keys.ts';
import { Notices } from './notices.ts';

/** How often the subscription is checked (a PING on it) and the gate read again. */
const HEARTBEAT_MS = 500;
/**
 * Nothing heard on the subscription for this long (no pong, no message): the view is not
 * trusted (a connection can die without closing); after twice as long it is made again.
 */
const SILENT_MS = 1_500;

export class GateView {
  private subscriber: Redis | undefined;
  /** Bumped by every message and reconnect: a read that started before one is stale. */
  private generation = 0;
  private fresh = false;
  private breaker = false;
  private pausedUntil = 0;
  /** Since when both channels have been subscribed without a break (undefined: not now). */
  private since: number | undefined;
  /** When the subscription last answered a PING or brought a message. */
  private lastHeard = 0;
  private pinging = false;
  private heartbeat: NodeJS.Timeout | undefined;
  readonly notices = new Notices();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly connect: () => Redis,
    private readonly logger: Logger,
  ) {}

  /** True only when the view is fresh and the gate is open: a run may start without asking Redis. */
  open(now = Date.now()): boolean {
    return this.fresh && !this.breaker && now >= this.pausedUntil && now - this.lastHeard < SILENT_MS;
  }

  /**
   * What the view knows to keep the gate shut: 'breaker', the end of the 422 pause (ms), or
   * undefined (open, or not known: the view is not fresh).
   */
  shut(now = Date.now()): 'breaker' | number | undefined {
    if (!this.fresh) return undefined;
    if (this.breaker) return 'breaker';
    return now < this.pausedUntil ? this.pausedUntil : undefined;
  }

  /**
   * Whether this process has heard every notice published since `at` (ms): subscribed since
   * then without a break. A notice takes a moment to come, as a write does to reach Redis.
   */
  listeningSince(at: number, now = Date.now()): boolean {
    return this.since !== undefined && this.since <= at && now - this.lastHeard < SILENT_MS;
  }

  async start(): Promise<void> {
    if (this.subscriber) return;
    const sub = this.connect();
    this.subscriber = sub;
    sub.on('message', (channel: string, message: string) => {
      this.lastHeard = Date.now();
      if (channel === this.keys.noticeChannel) this.notices.heard(message);
      else void this.read(true);
    });
    // Anything may have changed while the connection was down: distrust the view until re-read.
    sub.on('close', () => {
      this.generation++;
      this.fresh = false;
      this.since = undefined;
    });
    // On a reconnect ioredis subscribes again only after 'ready': read the gate once a subscription
    // of ours is confirmed, so that no change falls between the read and the subscription.
    sub.on('ready', () => void this.resubscribe(sub));
    await this.subscribe(sub);
    await this.read(true);
    this.heartbeat = setInterval(() => void this.beat(sub), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Check the subscription (PING) and read the gate again: a subscription that stopped answering
   * is distrusted, and made again after twice SILENT_MS; a change whose message was lost shows
   * within HEARTBEAT_MS.
   */
  private async beat(sub: Redis): Promise<void> {
    if (this.subscriber !== sub || sub.status !== 'ready') return;
    if (Date.now() - this.lastHeard > 2 * SILENT_MS) {
      this.logger.warn({}, 'the account gate subscription went silent; connecting again');
      this.since = undefined;
      this.fresh = false;
      this.lastHeard = Date.now();
      sub.disconnect(true);
      return;
    }
    if (!this.pinging) {
      this.pinging = true;
      sub.ping().then(
        () => {
          this.pinging = false;
          this.lastHeard = Date.now();
        },
        () => {
          this.pinging = false;
        },
      );
    }
    await this.read(false);
  }

  private async subscribe(sub: Redis): Promise<void> {
    await sub.subscribe(this.keys.gateChannel, this.keys.noticeChannel);
    // From the confirmation on (not from the request: a message published in between is not heard).
    this.lastHeard = Date.now();
    if (this.subscriber === sub && sub.status === 'ready') this.since ??= this.lastHeard;
  }

  private async resubscribe(sub: Redis): Promise<void> {
    try {
      await this.subscribe(sub);
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not subscribe to the account gate; runs ask Redis');
      return;
    }
    await this.read(true);
  }

  /**
   * Read the gate. `distrust` (a message came, or a subscription was made): the view says "ask
   * Redis" until the read is in. Otherwise (the heartbeat's read) it stands meanwhile, and a read
   * of a view that is not fresh changes nothing. Either way a message during the read wins.
   */
  private async read(distrust: boolean): Promise<void> {
    const generation = distrust ? ++this.generation : this.generation;
    if (distrust) this.fresh = false;
    try {
      const [breaker, pttl] = await Promise.all([this.redis.exists(this.keys.breaker), this.redis.pttl(this.keys.lockPause)]);
      if (generation !== this.generation || this.subscriber?.status !== 'ready' || (!distrust && !this.fresh)) return;
      this.breaker = breaker === 1;
      this.pausedUntil = pttl > 0 ? Date.now() + pttl : 0;
      this.fresh = true;
    } catch (err) {
      // (the heartbeat reads again in HEARTBEAT_MS: not logged twice a second)
      if (distrust) this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read the account gate; runs ask Redis');
    }
  }

  async close(): Promise<void> {
    const sub = this.subscriber;
    this.subscriber = undefined;
    this.fresh = false;
    this.since = undefined;
    clearInterval(this.heartbeat);
    await sub?.quit().catch(() => undefined);
  }
}

/**
 * Write a change and announce it on `channel`, in one transaction: a change never goes
 * unannounced (a process stopping between the two, or a failed publish, would leave every view
 * on the old state, and a first run's first effect goes on the views: first-run.ts). Returns the
 * write's reply. The gate's changes (Account) and cancels (Cancels) are written so.
 */
export async function announced(redis: Redis, channel: string, message: string, write: (tx: ChainableCommander) => ChainableCommander): Promise<unknown> {
  const out = await write(redis.multi()).publish(channel, message).exec();
  if (!out) throw new Error('the change was not written (its transaction was discarded)');
  const [err, reply] = out[0]!;
  if (err) throw err;
  return reply;
}
