// An engine on its own key prefix of the real Redis, removed afterwards.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { defaultPolicy, type BackoffPolicy } from '../../machines/backoff.ts';
import { Engine } from '../../src/engine/engine.ts';
import { purgePrefix } from '../../src/engine/purge.ts';
import type { OperationView } from '../../src/engine/operation.ts';
import { createSecretBox } from '../../src/engine/secret-box.ts';
import { RegistrarClient } from '../../src/registrar/client.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { CLI } from './sim-process.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_SECRET_KEY = 'a'.repeat(64);

/** Fast delays for tests: milliseconds instead of the real registrar's seconds and minutes. */
export function fastPolicy(overrides: Partial<BackoffPolicy> = {}): BackoffPolicy {
  const p = defaultPolicy();
  return {
    ...p,
    temporary: { baseMs: 30, capMs: 300 },
    uncertain: { baseMs: 30, capMs: 300 },
    lockPauseMs: 2_000,
    poll: { baseMs: 150, capMs: 600, jitter: 0.1 },
    // The fault-injection runs fail a quarter of all commands: give each step room.
    maxAttempts: 30,
    ...overrides,
  };
}

export const FAST_ENV = {
  DOMAINFLOW_BACKOFF_BASE_MS: '30',
  DOMAINFLOW_BACKOFF_CAP_MS: '300',
  DOMAINFLOW_POLL_BASE_MS: '150',
  DOMAINFLOW_LOCK_PAUSE_MS: '2000',
  DOMAINFLOW_MAX_ATTEMPTS: '30',
};

export function uniquePrefix(name: string): string {
  return `dftest-${name}-${randomBytes(4).toString('hex')}`;
}

export interface Harness {
  readonly prefix: string;
  readonly engine: Engine;
  client(url: string, extra?: { maxConnections?: number }): RegistrarClient;
  waitAllFinal(ids: readonly string[], timeoutMs: number): Promise<OperationView[]>;
  close(): Promise<void>;
}

export function createHarness(name: string, options: { rateLimit?: number; policy?: BackoffPolicy; stallMs?: number } = {}): Harness {
  const prefix = uniquePrefix(name);
  const engine = new Engine({
    redisUrl: REDIS_URL,
    prefix,
    account: SIM_DEFAULTS.login,
    secrets: createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex')),
    policy: options.policy ?? fastPolicy(),
    rateLimit: options.rateLimit ?? 0,
    stallMs: options.stallMs ?? 5_000,
    defaults: { contacts: { ...SIM_DEFAULTS.contacts }, nameservers: SIM_DEFAULTS.nameservers },
  });
  const clients: RegistrarClient[] = [];
  return {
    prefix,
    engine,
    client(url, extra = {}) {
      const c = new RegistrarClient({ url, login: SIM_DEFAULTS.login, password: SIM_DEFAULTS.password, timeoutMs: 5_000, maxConnections: extra.maxConnections ?? 8 });
      clients.push(c);
      return c;
    },
    async waitAllFinal(ids, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const views = await Promise.all(ids.map((id) => engine.store.get(id, false)));
        const pending = views.filter((v) => !v || !['succeeded', 'failed', 'cancelled'].includes(v.status));
        if (pending.length === 0) return views as OperationView[];
        if (Date.now() > deadline) {
          throw new Error(`${pending.length} operations not final after ${timeoutMs} ms: ${JSON.stringify(pending.slice(0, 3))}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await engine.close();
      await Promise.all(clients.map((c) => c.close()));
      await deletePrefix(prefix);
    },
  };
}

export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    await purgePrefix(redis, prefix);
  } finally {
    await redis.quit();
  }
}

/** A `domainflow worker` process on the harness's prefix (concurrency null: no --concurrency flag). */
export function spawnWorker(prefix: string, registrarUrl: string, env: Record<string, string> = {}, concurrency: number | null = 4): ChildProcess & { stderrTail(): string } {
  const child = spawn(process.execPath, [CLI, 'worker', ...(concurrency === null ? [] : ['--concurrency', String(concurrency)])], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      REDIS_URL,
      DOMAINFLOW_PREFIX: prefix,
      DOMAINFLOW_REGISTRAR_URL: registrarUrl,
      DOMAINFLOW_SECRET_KEY: TEST_SECRET_KEY,
      LOG_LEVEL: 'warn',
      ...FAST_ENV,
      ...env,
    },
  });
  // Drain stderr (a full pipe would block the worker) and keep its end for failure messages.
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8_000);
  });
  return Object.assign(child, { stderrTail: () => tail });
}

/** Poll `check` every 10 ms until it holds; after `timeoutMs`, fail naming `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
