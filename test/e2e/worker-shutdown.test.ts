// SIGTERM, or Ctrl-C as a terminal delivers it through npx (SIGINT twice: the
// process group's and the one npx forwards): a worker finishes or hands back its
// in-flight steps and exits 0; another worker carries on, and nothing is lost or
// done twice.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, spawnWorker, waitFor, type Harness } from '../helpers/engine-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

let sim: SimProcess;
const harnesses: Harness[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000', '--latency-ms', '150']);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const h of harnesses) await h.close();
  await sim?.stop();
});

it.each([
  ['SIGTERM', ['SIGTERM']],
  ['Ctrl-C through npx (SIGINT twice)', ['SIGINT', 'SIGINT']],
] as const)('stops on %s with exit 0, and a new worker finishes every operation once', async (name, signals) => {
  const h = createHarness(signals.length > 1 ? 'sigint' : 'sigterm');
  harnesses.push(h);
  const env = { DOMAINFLOW_RATE_LIMIT: '0' };
  const first = spawnWorker(h.prefix, sim.url, env, 6);
  children.push(first);
  const domains = Array.from({ length: 30 }, (_, i) => `${signals.length > 1 ? 'int' : 'term'}-${i}.com`);
  const views = await h.engine.store.submitMany(domains.map((domain) => ({ type: 'register' as const, domain, period: 1 })));
  // wait until the worker is busy, then stop it
  const before = (await sim.stats()).commands;
  const deadline = Date.now() + 15_000;
  while ((await sim.stats()).commands < before + 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const stopped = Date.now();
  const exit = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
  for (const signal of signals) {
    first.kill(signal);
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await exit, name).toBe(0);
  expect(Date.now() - stopped).toBeLessThan(10_000);
  const midway = await Promise.all(views.map((v) => h.engine.store.get(v.id, false)));
  expect(midway.filter((v) => v?.status === 'running')).toEqual([]);
  expect(midway.filter((v) => v?.status === 'succeeded').length).toBeLessThan(30);

  children.push(spawnWorker(h.prefix, sim.url, env, 6));
  const final = await h.waitAllFinal(
    views.map((v) => v.id),
    60_000,
  );
  expect(final.map((v) => v.status)).toEqual(domains.map(() => 'succeeded'));
  const effects = await sim.effects();
  expect(domains.map((d) => effects[d]?.registered)).toEqual(domains.map(() => 1));
}, 90_000);

it('runs DOMAINFLOW_CONCURRENCY operations at once when --concurrency is not given, and the flag wins over it', async () => {
  const h = createHarness('concurrency');
  harnesses.push(h);
  const started = async (concurrency: number | null): Promise<unknown> => {
    const worker = spawnWorker(h.prefix, sim.url, { DOMAINFLOW_CONCURRENCY: '3', LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, concurrency);
    children.push(worker);
    await waitFor(() => worker.stderrTail().includes('worker started'), 15_000, `the worker's start line; stderr: ${worker.stderrTail()}`);
    const line = worker.stderrTail().split('\n').find((l) => l.includes('worker started'))!;
    const exit = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exit;
    return (JSON.parse(line) as { concurrency: unknown }).concurrency;
  };
  expect(await started(null)).toBe(3);
  expect(await started(5)).toBe(5);
}, 60_000);
