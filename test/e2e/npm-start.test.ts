// `npm start` as a newcomer runs it: one command brings up the simulated
// registrar, a worker and the API; `npx domainflow ...` from another terminal
// finds the same system (runtime.json); Ctrl-C stops it all and exits 0.
// Without a Redis, start runs a private redis-server (AOF on) under the data
// folder and shuts it down on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { findOnPath, redisAnswers } from '../../src/launcher/private-redis.ts';
import { freePort } from '../../src/launcher/free-port.ts';
import { deletePrefix, FAST_ENV, REDIS_URL, uniquePrefix } from '../helpers/engine-harness.ts';
import { CLI, ROOT } from '../helpers/sim-process.ts';

interface Proc {
  readonly child: ChildProcess;
  output(): string;
  stdout(): string;
  readonly exited: Promise<number | null>;
}

const running: Proc[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      try {
        process.kill(-p.child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});

/** The environment of a shell without REDIS_URL or DOMAINFLOW_* set, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'REDIS_URL' && !k.startsWith('DOMAINFLOW_')));
  return { ...base, LOG_LEVEL: 'warn', ...env };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, group = false): Proc {
  // Its own process group, so that a test can send SIGINT to the group as a terminal's Ctrl-C does.
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  let out = '';
  let stdout = '';
  child.stdout!.on('data', (c: Buffer) => ((out += c.toString()), (stdout += c.toString())));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const proc = { child, output: () => out, stdout: () => stdout, exited };
  running.push(proc);
  return proc;
}

async function waitFor(proc: Proc, pattern: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(proc.output());
    if (m) return m;
    if (proc.child.exitCode !== null || Date.now() > until) throw new Error(`no ${pattern} (exit ${proc.child.exitCode}) in:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The exit code of `proc`, or an error with its output when it has not exited within `ms`. */
async function exitOf(proc: Proc, ms: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms; its output:\n${proc.output()}`)), ms);
  });
  try {
    return await Promise.race([proc.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('npm start', () => {
  it('brings up a working system that `npx domainflow` finds, and stops on Ctrl-C with exit 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'df-start-'));
    const prefix = uniquePrefix('start');
    prefixes.push(prefix);
    const env = cleanEnv({ REDIS_URL, DOMAINFLOW_PREFIX: prefix, DOMAINFLOW_PORT: '0', DOMAINFLOW_DATA_DIR: dataDir, ...FAST_ENV });
    const t0 = Date.now();
    const start = run('npm', ['start'], env, true);
    await waitFor(start, /Ctrl-C stops everything/);
    console.log(`npm start: up in ${Date.now() - t0} ms`);
    const dashboard = (await waitFor(start, /dashboard\s+(http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
    expect(start.output()).toMatch(/API\s+http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(start.output()).toMatch(/API docs\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
    expect(start.output()).toMatch(/registrar\s+http:\/\/127\.0\.0\.1:\d+\/api\/call\.cgi\s+\(simulated/);
    expect(start.output()).toContain('npx domainflow register example-123.com --wait');
    for (const path of ['/healthz', '/']) {
      const res = await fetch(`${dashboard}${path}`);
      expect(res.status, path).toBe(200);
      await res.text(); // read to the end: an unread body left for the collector can hold the connection open
    }

    const runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as Record<string, unknown>;
    expect(runtime).toMatchObject({ redisUrl: REDIS_URL, prefix, apiUrl: dashboard });

    // another terminal, same environment
    const t1 = Date.now();
    const register = run('npx', ['domainflow', 'register', 'example-123.com', '--wait', '--json'], env);
    expect(await exitOf(register, 20_000, 'npx domainflow register'), register.output()).toBe(0);
    console.log(`npx domainflow register --wait: ${Date.now() - t1} ms`);
    const op = lastJson(register.stdout());
    expect(op).toMatchObject({ type: 'register', domain: 'example-123.com', status: 'succeeded' });
    expect(Object.keys(op)).toEqual(expect.arrayContaining(['id', 'type', 'domain', 'status', 'result']));

    // and one with no Redis or prefix in its environment: runtime.json says where the system is
    const status = run(process.execPath, [CLI, 'status', String(op.id), '--json'], cleanEnv({ DOMAINFLOW_DATA_DIR: dataDir }));
    expect(await exitOf(status, 10_000, 'domainflow status'), status.output()).toBe(0);
    expect(lastJson(status.stdout())).toMatchObject({ id: op.id, status: 'succeeded' });

    const t2 = Date.now();
    process.kill(-start.child.pid!, 'SIGINT'); // the whole group, as Ctrl-C in a terminal
    expect(await exitOf(start, 15_000, 'npm start after Ctrl-C'), start.output()).toBe(0);
    console.log(`npm start: stopped in ${Date.now() - t2} ms`);
    expect(start.output()).toContain('domainflow: stopped');
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);
    // the simulated registry survives a restart
    expect(readFileSync(join(dataDir, 'sim-state.json'), 'utf8')).toContain('example-123.com');
  }, 90_000); // more than its steps' own limits, so that a step that hangs fails with its output

  it.skipIf(!findOnPath('redis-server'))('without a Redis, runs a private redis-server with AOF under the data folder and stops it on exit', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'df-private-'));
    const dead = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const env = cleanEnv({ DOMAINFLOW_DEFAULT_REDIS_URL: dead, DOMAINFLOW_PORT: '0', DOMAINFLOW_DATA_DIR: dataDir, ...FAST_ENV });
    const start = run(process.execPath, [CLI, 'start'], env, true);
    await waitFor(start, /Ctrl-C stops everything/);
    expect(start.output()).toMatch(/redis\s+redis:\/\/127\.0\.0\.1:\d+\s+\(private redis-server, AOF in/);
    const runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { redisUrl: string; privateRedis: { port: number; dir: string } };
    expect(runtime.privateRedis.dir).toBe(join(dataDir, 'redis'));
    const redis = new Redis(runtime.redisUrl);
    try {
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'dir')).toEqual(['dir', join(dataDir, 'redis')]);
    } finally {
      await redis.quit();
    }

    // a CLI with nothing but the data folder in its environment uses the private Redis
    const register = run(process.execPath, [CLI, 'register', 'private-redis-1.com', '--wait', '--json'], cleanEnv({ DOMAINFLOW_DATA_DIR: dataDir }));
    expect(await register.exited, register.output()).toBe(0);
    expect(lastJson(register.stdout())).toMatchObject({ domain: 'private-redis-1.com', status: 'succeeded' });

    process.kill(-start.child.pid!, 'SIGINT');
    expect(await start.exited, start.output()).toBe(0);
    expect(await redisAnswers(runtime.redisUrl, 500)).toBe(false);
    expect(readdirSync(join(dataDir, 'redis', 'appendonlydir')).some((f) => f.endsWith('.aof'))).toBe(true);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);
  }, 60_000);

  it('refuses a bad environment value with exit 2, naming the variable, and a dead REDIS_URL with exit 1', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'df-badenv-'));
    for (const [name, value] of [
      ['DOMAINFLOW_PORT', 'eighty'],
      ['DOMAINFLOW_RATE_LIMIT', 'fast'],
      ['DOMAINFLOW_BACKOFF_BASE_MS', '-5'],
    ] as const) {
      const p = run(process.execPath, [CLI, 'start'], cleanEnv({ DOMAINFLOW_DATA_DIR: dataDir, [name]: value }));
      expect(await p.exited, p.output()).toBe(2);
      expect(p.output()).toContain(name);
    }
    const dead = `redis://127.0.0.1:${await freePort()}`;
    const p = run(process.execPath, [CLI, 'start'], cleanEnv({ DOMAINFLOW_DATA_DIR: dataDir, REDIS_URL: dead, DOMAINFLOW_PORT: '0' }));
    expect(await p.exited, p.output()).toBe(1);
    expect(p.output()).toMatch(/REDIS_URL: no Redis answers at redis:\/\/127\.0\.0\.1:\d+/);
  }, 30_000);
});
