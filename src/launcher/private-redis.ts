// The Redis start uses: REDIS_URL when set; otherwise the default
// (redis://127.0.0.1:6379) when it answers; otherwise, when redis-server is on
// PATH, a private one with AOF on under <data dir>/redis/, stopped on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { redact, redisAnswers, RedisUnavailableError } from '../engine/redis-reach.ts';
import { freePort } from './free-port.ts';
import { makeDir } from '../make-dir.ts';

export { redact, redisAnswers, RedisUnavailableError };

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export type RedisSource = 'env' | 'default' | 'private';

export interface ResolvedRedis {
  readonly url: string;
  readonly source: RedisSource;
  /** The private redis-server, when start runs one. */
  readonly private?: PrivateRedis;
}

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** Shut it down (it writes its AOF first) and wait for it to exit. */
  stop(): Promise<void>;
}

/** The path of an executable on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function waitUntilAnswers(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new RedisUnavailableError(`redis-server exited with code ${child.exitCode}: ${output().trim().slice(-500)}`);
    if (await redisAnswers(url, 500)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(`redis-server did not answer within ${timeoutMs} ms: ${output().trim().slice(-500)}`);
}

/** Start redis-server on a free loopback port with AOF on, its files in `dir`. */
export async function startPrivateRedis(binary: string, dir: string, timeoutMs = 10_000): Promise<PrivateRedis> {
  const absDir = resolve(dir);
  makeDir(absDir);
  const port = await freePort();
  // fsync on every write: a checkpoint written before a registrar command must outlive a Redis crash,
  // or a renewal whose checkpoint was lost could be sent again. (The registrar's rate makes it cheap.)
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', absDir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'];
  // Its own process group: a Ctrl-C in the terminal reaches start, which shuts it down after the
  // worker has handed its jobs back, not before.
  const child = spawn(binary, args, { cwd: absDir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `redis://127.0.0.1:${port}`;
  await waitUntilAnswers(url, child, () => output, timeoutMs);
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dir: absDir,
    pid: child.pid!,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null) return;
        // SIGTERM: redis-server flushes its AOF and exits.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export interface ResolveRedisOptions {
  /** REDIS_URL, when set */
  readonly redisUrl?: string;
  /** the URL tried when REDIS_URL is not set */
  readonly defaultUrl?: string;
  /** where a private redis-server keeps its files */
  readonly dir: string;
  readonly path?: string;
  readonly onNote?: (msg: string) => void;
}

export async function resolveRedis(options: ResolveRedisOptions): Promise<ResolvedRedis> {
  if (options.redisUrl) {
    // Named by the user: use it or say why not; never a different Redis behind their back.
    if (!(await redisAnswers(options.redisUrl, 3_000))) throw new RedisUnavailableError(`REDIS_URL: no Redis answers at ${redact(options.redisUrl)}`);
    return { url: options.redisUrl, source: 'env' };
  }
  const defaultUrl = options.defaultUrl ?? DEFAULT_REDIS_URL;
  if (await redisAnswers(defaultUrl)) return { url: defaultUrl, source: 'default' };
  const binary = findOnPath('redis-server', options.path);
  if (!binary) {
    throw new RedisUnavailableError(
      `no Redis answers at ${redact(defaultUrl)} and redis-server is not on PATH: start a Redis (e.g. \`docker compose up -d redis\`) or set REDIS_URL`,
    );
  }
  options.onNote?.(`no Redis at ${redact(defaultUrl)}: starting a private redis-server (AOF on) in ${resolve(options.dir)}`);
  const started = await startPrivateRedis(binary, options.dir);
  return { url: started.url, source: 'private', private: started };
}

/**
 * A private redis-server left running by a start that was killed (it runs in
 * its own process group): shut it down, if the Redis at `port` really is the
 * one keeping its files in `dir`. True when one was shut down.
 */
export async function shutdownLeftover(port: number, dir: string): Promise<boolean> {
  const url = `redis://127.0.0.1:${port}`;
  if (!(await redisAnswers(url, 500))) return false;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [, actual] = (await client.config('GET', 'dir')) as [string, string];
    if (resolve(actual) !== resolve(dir)) return false;
    await client.call('SHUTDOWN').catch(() => undefined);
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
  for (let i = 0; i < 50 && (await redisAnswers(url, 200)); i++) await new Promise((r) => setTimeout(r, 100));
  return true;
}
