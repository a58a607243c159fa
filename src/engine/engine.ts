// The engine for one registrar account: its queue, its shared account state,
// the operation store, and workers that run the machines.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BackoffPolicy } from '../../machines/backoff.ts';
import type { Contacts } from '../../machines/contract.ts';
import type { Registrar } from '../registrar/client.ts';
import { silentLogger, type Logger } from '../registrar/mask.ts';
import { Account } from './account.ts';
import { Batches } from './batches.ts';
import { Checkpointer } from './checkpointer.ts';
import { ConnectionLeases } from './connection-leases.ts';
import { DomainLocks } from './domain-lock.ts';
import { GateView } from './gate-view.ts';
import { Keys } from './keys.ts';
import type { OpData } from './operation.ts';
import { PolicyRefs } from './policy-refs.ts';
import { OperationRunner, type JobResult, type RunnerDeps } from './runner.ts';
import { withEngineScripts, type EngineRedis } from './scripts.ts';
import type { SecretBox } from './secret-box.ts';
import { OperationStore } from './store.ts';

export interface EngineOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  /** The registrar account's login: one queue per account. */
  readonly account: string;
  readonly secrets: SecretBox;
  readonly policy: BackoffPolicy;
  readonly rateLimit: number;
  readonly rateMarginMs?: number;
  /** The registrar client's request timeout: bounds how long a command counts as in flight. */
  readonly requestTimeoutMs?: number;
  /** How soon a dead worker's operation is taken over by another. */
  readonly stallMs?: number;
  readonly defaults?: { readonly contacts?: Contacts; readonly nameservers?: readonly string[] };
  readonly logger?: Logger;
}

export interface WorkerOptions {
  readonly registrar: Registrar;
  readonly concurrency?: number;
  readonly onCommand?: RunnerDeps['onCommand'];
  readonly onFinal?: RunnerDeps['onFinal'];
}

export interface RunningWorker {
  readonly worker: Worker<OpData, JobResult>;
  /** Finish or hand back in-flight steps, then stop. */
  close(): Promise<void>;
  /** Tell in-flight steps to stop (used when Redis is gone and nothing can be handed back). */
  abort(): void;
}

/** How long close waits for a connection that is reconnecting before it drops every connection. */
const CLOSE_GRACE_MS = 1_500;

export class Engine {
  readonly keys: Keys;
  readonly redis: EngineRedis;
  readonly queue: Queue<OpData, JobResult>;
  readonly account: Account;
  readonly domains: DomainLocks;
  readonly store: OperationStore;
  readonly batches: Batches;
  private readonly workers = new Set<RunningWorker>();
  private readonly queueConnection: Redis;
  /** Every connection this engine opened, for a close when Redis is gone. */
  private readonly connections = new Set<Redis>();
  private readonly leases = new Set<ConnectionLeases>();
  private gateView: GateView | undefined;
  private readonly policies: PolicyRefs;
  private readonly checkpoints: Checkpointer;

  constructor(readonly options: EngineOptions) {
    this.keys = new Keys(options.prefix, options.account);
    this.redis = withEngineScripts(this.connect());
    this.queueConnection = this.connect();
    this.queue = new Queue<OpData, JobResult>(this.keys.queue, {
      connection: this.queueConnection,
      prefix: this.keys.bullPrefix,
      // The event stream is for live views, not for keeping: a short one keeps memory per operation low.
      streams: { events: { maxLen: 1000 } },
      // BullMQ keeps ended jobs unless told otherwise (their state and result are the
      // operation's): no removeOn* options, which would be stored with every job.
    });
    this.account = new Account(this.redis, this.keys, this.queue, {
      rateLimit: options.rateLimit,
      rateMarginMs: options.rateMarginMs ?? 10,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      lockMs: options.stallMs ?? 30_000,
    });
    this.domains = new DomainLocks(this.redis, this.keys, this.queue);
    this.store = new OperationStore(this.queue, this.redis, this.keys, options.secrets, this.domains);
    this.policies = new PolicyRefs(this.redis, this.keys, options.policy, options.logger);
    // The job lock lasts the stall time (see startWorker); a checkpoint renews it.
    this.checkpoints = new Checkpointer(this.redis, this.keys, options.stallMs ?? 30_000);
    this.batches = new Batches(this.store, this.redis, this.keys, this.account, options.policy.lockPauseMs);
  }

  /**
   * A connection of its own for the engine's scripts, the queue and each worker. (Auto-pipelining
   * was measured: it adds a tick of latency to every call and gained nothing at any concurrency.)
   */
  private connect(): Redis {
    const redis = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
    this.connections.add(redis);
    redis.on('end', () => this.connections.delete(redis));
    redis.on('error', (err: Error) => (this.options.logger ?? silentLogger).warn({ err: err.message }, 'redis connection error'));
    return redis;
  }

  /** Connection permits for this account, shared with every other process (see ConnectionLeases). */
  connectionLeases(max: number): ConnectionLeases {
    const leases = new ConnectionLeases(this.redis, this.keys, { max });
    this.leases.add(leases);
    return leases;
  }

  /** This process's view of the account's gate, subscribed once for all its workers. */
  accountGate(): GateView {
    if (!this.gateView) {
      const logger = this.options.logger ?? silentLogger;
      this.gateView = new GateView(this.redis, this.keys, () => this.connect(), logger);
      this.gateView.start().catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'gate view not subscribed; runs ask Redis'));
    }
    return this.gateView;
  }

  startWorker(options: WorkerOptions): RunningWorker {
    const shutdown = new AbortController();
    void this.policies.save();
    const runner = new OperationRunner({
      redis: this.redis,
      keys: this.keys,
      account: this.account,
      domains: this.domains,
      gate: this.accountGate(),
      registrar: options.registrar,
      secrets: this.options.secrets,
      policy: this.options.policy,
      policies: this.policies,
      checkpoints: this.checkpoints,
      defaults: this.options.defaults ?? {},
      logger: this.options.logger ?? silentLogger,
      shutdown: shutdown.signal,
      ...(options.onCommand ? { onCommand: options.onCommand } : {}),
      ...(options.onFinal ? { onFinal: options.onFinal } : {}),
    });
    const stallMs = this.checkpoints.lockMs;
    const connection = this.connect();
    const worker = new Worker<OpData, JobResult>(this.keys.queue, (job, token) => runner.process(job, token), {
      connection,
      prefix: this.keys.bullPrefix,
      concurrency: options.concurrency ?? 4,
      // A job whose worker died is taken over after about stallMs; a live worker renews its lock
      // every stallMs / 2. Stalls never fail an operation: the checkpoint makes a takeover safe.
      lockDuration: stallMs,
      stalledInterval: Math.max(250, Math.round(stallMs / 2)),
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      autorun: true,
    });
    worker.on('error', (err) => (this.options.logger ?? silentLogger).error({ err: err.message }, 'worker error'));
    const running: RunningWorker = {
      worker,
      abort: () => shutdown.abort(),
      close: async () => {
        shutdown.abort();
        await worker.close();
        await connection.quit().catch(() => undefined);
        this.workers.delete(running);
      },
    };
    this.workers.add(running);
    return running;
  }

  /** Whether the engine's connection to Redis is up (false while it connects or reconnects). */
  reachable(): boolean {
    return this.redis.status === 'ready';
  }

  /**
   * Close: workers finish or hand back their steps, connections quit. With Redis out of
   * reach nothing can be handed back and a quit would wait for it forever: every
   * connection is dropped at once instead (a worker's in-flight operations are taken
   * over after the stall time by whoever runs when Redis is back; the checkpoint makes
   * that safe).
   */
  async close(): Promise<void> {
    // A connection that is only reconnecting (a blip) gets a moment to come back first.
    if (!this.reachable() && !(await this.readyWithin(CLOSE_GRACE_MS))) {
      this.disconnect();
      return;
    }
    await Promise.all([...this.workers].map((w) => w.close()));
    await Promise.all([...this.leases].map((l) => l.close()));
    await this.gateView?.close();
    // A queue still setting its connection up when closed emits an error nobody can catch.
    await settlesWithin(this.queue.waitUntilReady(), CLOSE_GRACE_MS);
    await this.queue.close();
    await this.queueConnection.quit().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
  }

  /** Whether the engine's connection is (back) up within `ms`. */
  private async readyWithin(ms: number): Promise<boolean> {
    if (this.reachable()) return true;
    let onReady!: () => void;
    const ready = new Promise<void>((resolve) => this.redis.once('ready', (onReady = resolve)));
    const came = await settlesWithin(ready, ms);
    this.redis.off('ready', onReady);
    return came;
  }

  /** Drop every connection now, without waiting for anything (see close). */
  disconnect(): void {
    for (const w of this.workers) {
      w.abort();
      // BullMQ's worker has a blocking connection of its own: forced closed, it stops reconnecting.
      void w.worker.close(true).catch(() => undefined);
    }
    for (const c of this.connections) c.disconnect();
    this.connections.clear();
    // Their timers stop; what they would write to Redis fails at once on a dropped connection.
    for (const l of this.leases) void l.close().catch(() => undefined);
    void this.gateView?.close();
  }
}

/** Whether `promise` settles (either way) within `ms`; it is not waited for any longer. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
