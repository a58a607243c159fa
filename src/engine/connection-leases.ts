// The account's connection permits in Redis: every process of every host
// holds leases on them, renewed while the process lives and expiring when it
// dies, so the account never has more open connections than the registrar
// allows (about five; a sixth is refused with 521).
import { randomBytes } from 'node:crypto';
import type { ConnectionGate } from '../registrar/connection-gate.ts';
import type { Keys } from './keys.ts';
import type { EngineRedis } from './scripts.ts';

export interface LeaseOptions {
  /** Connections for the whole account. */
  readonly max: number;
  /** A lease not renewed for this long is free again (a dead process's). */
  readonly ttlMs?: number;
}

export class ConnectionLeases implements ConnectionGate {
  private readonly held = new Set<string>();
  private readonly ttlMs: number;
  private readonly owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private revoke: ((permit: string) => void) | undefined;

  constructor(
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
    private readonly options: LeaseOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 15_000;
  }

  onRevoke(listener: (permit: string) => void): void {
    this.revoke = listener;
  }

  async tryAcquire(): Promise<string | undefined> {
    const permit = `${this.owner}-${++this.seq}`;
    const ok = await this.redis.acquireLease(this.keys.connections, this.options.max, this.ttlMs, permit);
    if (ok !== 1) return undefined;
    this.held.add(permit);
    this.timer ??= setInterval(() => void this.renew(), Math.max(200, Math.floor(this.ttlMs / 3))).unref();
    return permit;
  }

  async release(permit: string): Promise<void> {
    this.held.delete(permit);
    if (this.held.size === 0) this.stopTimer();
    await this.redis.zrem(this.keys.connections, permit);
  }

  /** Extend every lease this process holds; a lease that already expired is taken back at once. */
  private async renew(): Promise<void> {
    for (const permit of [...this.held]) {
      const alive = await this.redis.renewLease(this.keys.connections, this.ttlMs, permit).catch(() => 1);
      if (alive === 0) {
        this.held.delete(permit);
        this.revoke?.(permit);
      }
    }
    if (this.held.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async close(): Promise<void> {
    this.stopTimer();
    const permits = [...this.held];
    this.held.clear();
    if (permits.length) await this.redis.zrem(this.keys.connections, ...permits);
  }
}
