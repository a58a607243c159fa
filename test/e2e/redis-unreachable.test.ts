// A Redis that is not there, or goes away: every command says so and exits
// instead of waiting for it forever; a worker told to stop while Redis is gone
// stops, and its operations are finished once, by another worker, when Redis is back.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../machines/backoff.ts';
import { Engine } from '../../src/engine/engine.ts';
import { createSecretBox } from '../../src/engine/secret-box.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { spawnWorker, TEST_SECRET_KEY } from '../helpers/engine-harness.ts';
import { freePort, startRedisServer } from '../helpers/redis-process.ts';
import { lastJson, ROOT, runCli, startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'df-unreachable-'));
const children: ChildProcess[] = [];
let sim: SimProcess | undefined;
let engine: Engine | undefined;

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await engine?.close().catch(() => undefined);
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const base = { DOMAINFLOW_SECRET_KEY: TEST_SECRET_KEY, DOMAINFLOW_DATA_DIR: dir, LOG_LEVEL: 'error' };

describe('no Redis at REDIS_URL', () => {
  it.each([
    ['status', ['status', 'op-1', '--json']],
    ['list', ['list', '--json']],
    ['register', ['register', 'nowhere.com', '--json']],
    ['pause', ['pause', '--json']],
  ])('%s exits 1 at once with an error naming REDIS_URL', async (_name, args) => {
    const port = await freePort();
    const run = await runCli(args, { ...base, REDIS_URL: `redis://:s3cret@127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(10_000);
    const out = lastJson(run.stdout);
    expect(out.error).toBe(`REDIS_URL: no Redis answers at redis://:***@127.0.0.1:${port}`);
    expect(run.stdout + run.stderr).not.toContain('s3cret');
  });

  it('masks a password given in the query string too', async () => {
    const port = await freePort();
    const run = await runCli(['list', '--json'], { ...base, REDIS_URL: `redis://127.0.0.1:${port}/?password=s3cret&db=2` });
    expect(run.code).toBe(1);
    expect(lastJson(run.stdout).error).toBe(`REDIS_URL: no Redis answers at redis://127.0.0.1:${port}/?password=***&db=2`);
    expect(run.stdout + run.stderr).not.toContain('s3cret');
  });

  it('a worker exits 1 at start, naming REDIS_URL', async () => {
    const port = await freePort();
    const run = await runCli(['worker'], { ...base, REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`domainflow worker: REDIS_URL: no Redis answers at redis://127.0.0.1:${port}`);
  });

  it.each([['worker'], ['status', 'op-1']])('REDIS_URL that is not redis:// or rediss:// is invalid input for %s: exit 2', async (...args) => {
    const run = await runCli(args, { ...base, REDIS_URL: 'http://127.0.0.1:6379' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('REDIS_URL must be a redis:// or rediss:// URL, got a http:// one');
  });

  it.each([
    [['worker', '--concurrency', '0'], {}, '--concurrency must be a whole number from 1 to 1000, got "0"'],
    [['worker'], { DOMAINFLOW_CONCURRENCY: 'lots' }, 'DOMAINFLOW_CONCURRENCY must be a whole number from 1 to 1000, got "lots"'],
    [['worker', '--concurrency', ''], { DOMAINFLOW_CONCURRENCY: '3' }, '--concurrency must be a whole number from 1 to 1000, got ""'],
  ])('a bad worker concurrency (%j) is invalid input: exit 2 before Redis is asked', async (args, env, message) => {
    const port = await freePort();
    const run = await runCli(args, { ...base, ...env, REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`domainflow worker: ${message}`);
  });

  it('the worker run directly (node dist/workers/operations-worker.js) says the same of a bad DOMAINFLOW_CONCURRENCY: exit 2', async () => {
    const port = await freePort();
    const run = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, [resolve(ROOT, 'dist/workers/operations-worker.js')], {
        env: { PATH: process.env.PATH, ...base, DOMAINFLOW_CONCURRENCY: '0', REDIS_URL: `redis://127.0.0.1:${port}` },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => done({ code, stderr }));
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DOMAINFLOW_CONCURRENCY must be a whole number from 1 to 1000, got "0"');
  });

  it('a bad backoff variable is invalid input (exit 2) for a worker as for the other commands', async () => {
    for (const args of [['worker'], ['status', 'op-1']]) {
      const run = await runCli(args, { ...base, DOMAINFLOW_BACKOFF_BASE_MS: 'soon' });
      expect(run.code, args[0]).toBe(2);
      expect(run.stderr).toContain('DOMAINFLOW_BACKOFF_BASE_MS');
    }
  });
});

it('an in-process engine whose Redis died closes, and nothing keeps its process alive', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'test/fixtures/close-without-redis.ts'), String(port), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const started = Date.now();
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  expect(out).toContain('closed');
  expect(code, out).toBe(0);
  expect(Date.now() - started).toBeLessThan(15_000);
}, 30_000);

it('a worker told to stop while Redis is gone exits 1 within seconds; a new one finishes its operations once when Redis is back', async () => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let redis = await startRedisServer(port, dir);
  children.push(redis);
  sim = await startSimProcess(['--rate', '5000', '--latency-ms', '100']);
  const prefix = 'dftest-unreachable';
  engine = new Engine({ redisUrl: url, prefix, account: SIM_DEFAULTS.login, secrets: createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex')), policy: defaultPolicy(), rateLimit: 0 });
  const domains = Array.from({ length: 20 }, (_, i) => `unreachable-${i}.com`);
  const views = await engine.store.submitMany(domains.map((domain) => ({ type: 'register' as const, domain, period: 1 })));
  const env = { REDIS_URL: url, DOMAINFLOW_RATE_LIMIT: '0', DOMAINFLOW_STALL_MS: '1500' };
  const first = spawnWorker(prefix, sim.url, env, 4);
  children.push(first);
  const deadline = Date.now() + 20_000;
  while ((await sim.stats()).commands < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  redis.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  const exited = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
  const stopped = Date.now();
  first.kill('SIGTERM');
  expect(await exited).toBe(1);
  expect(Date.now() - stopped).toBeLessThan(15_000);
  expect(first.stderrTail()).toContain('worker stopped without Redis');

  redis = await startRedisServer(port, dir);
  children.push(redis);
  children.push(spawnWorker(prefix, sim.url, env, 4));
  const end = Date.now() + 60_000;
  let final: Awaited<ReturnType<Engine['store']['get']>>[] = [];
  for (;;) {
    final = await Promise.all(views.map((v) => engine!.store.get(v.id, false).catch(() => undefined)));
    if (final.every((v) => v && ['succeeded', 'failed'].includes(v.status))) break;
    if (Date.now() > end) throw new Error(`not final: ${JSON.stringify(final.filter((v) => v?.status !== 'succeeded').slice(0, 3))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(final.map((v) => v!.status)).toEqual(domains.map(() => 'succeeded'));
  const effects = await sim.effects();
  expect(domains.map((d) => effects[d]?.registered)).toEqual(domains.map(() => 1));
}, 120_000);
