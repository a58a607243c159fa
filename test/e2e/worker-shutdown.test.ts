// SIGTERM: a worker finishes or hands back its in-flight steps and exits 0;
// another worker carries on, and nothing is lost or done twice.
import type { ChildProcess } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { createHarness, spawnWorker, type Harness } from '../helpers/engine-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

let sim: SimProcess | undefined;
let h: Harness | undefined;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
  await sim?.stop();
});

it('stops on SIGTERM with exit 0, and a new worker finishes every operation once', async () => {
  sim = await startSimProcess(['--rate', '5000', '--latency-ms', '150']);
  h = createHarness('sigterm');
  const env = { DOMAINFLOW_RATE_LIMIT: '0' };
  const first = spawnWorker(h.prefix, sim.url, env, 6);
  children.push(first);
  const domains = Array.from({ length: 30 }, (_, i) => `term-${i}.com`);
  const views = await h.engine.store.submitMany(domains.map((domain) => ({ type: 'register' as const, domain, period: 1 })));
  // wait until the worker is busy, then stop it
  const deadline = Date.now() + 15_000;
  while ((await sim.stats()).commands < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const stopped = Date.now();
  const exit = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
  first.kill('SIGTERM');
  expect(await exit).toBe(0);
  expect(Date.now() - stopped).toBeLessThan(10_000);
  const midway = await Promise.all(views.map((v) => h!.engine.store.get(v.id, false)));
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
