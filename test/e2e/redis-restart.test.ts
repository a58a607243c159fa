// Redis is killed (SIGKILL) in the middle of a run and started again on the same
// AOF: the worker process reconnects, no operation is lost and every effect
// happens exactly once.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultPolicy } from '../../machines/backoff.ts';
import { Engine } from '../../src/engine/engine.ts';
import { createSecretBox } from '../../src/engine/secret-box.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { spawnWorker, TEST_SECRET_KEY } from '../helpers/engine-harness.ts';
import { freePort, startRedisServer } from '../helpers/redis-process.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'df-redis-'));
let redis: ChildProcess | undefined;
let sim: SimProcess | undefined;
let worker: ChildProcess | undefined;
let engine: Engine | undefined;

afterAll(async () => {
  worker?.kill('SIGKILL');
  await engine?.close().catch(() => undefined);
  redis?.kill('SIGKILL');
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('survives a Redis crash in the middle of a run: nothing lost, nothing done twice', async () => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  redis = await startRedisServer(port, dir);
  sim = await startSimProcess(['--rate', '5000', '--latency-ms', '20']);
  const prefix = 'dftest-redis-restart';
  engine = new Engine({
    redisUrl: url,
    prefix,
    account: SIM_DEFAULTS.login,
    secrets: createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex')),
    policy: defaultPolicy(),
    rateLimit: 0,
  });
  const domains = Array.from({ length: 40 }, (_, i) => `restart-${i}.com`);
  const renewals = Array.from({ length: 10 }, (_, i) => `restart-renew-${i}.com`);
  const client = (await import('../../src/registrar/client.ts')).RegistrarClient;
  const direct = new client({ url: sim.url, login: 'demo', password: 'demo' });
  for (const d of renewals) expect((await direct.addDomain({ domain: d, period: 1 })).code).toBe(200);
  await direct.close();
  const views = await engine.store.submitMany([
    ...domains.map((domain) => ({ type: 'register' as const, domain, period: 1 })),
    ...renewals.map((domain) => ({ type: 'renew' as const, domain, period: 1 })),
  ]);
  worker = spawnWorker(prefix, sim.url, { REDIS_URL: url, DOMAINFLOW_RATE_LIMIT: '0', DOMAINFLOW_STALL_MS: '1500' }, 6);

  // Kill Redis once the work is under way, then bring it back on the same files.
  const deadline = Date.now() + 20_000;
  while ((await sim.stats()).commands < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  redis.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1_000));
  redis = await startRedisServer(port, dir);

  const ids = views.map((v) => v.id);
  const end = Date.now() + 60_000;
  let final: Awaited<ReturnType<Engine['store']['get']>>[] = [];
  for (;;) {
    final = await Promise.all(ids.map((id) => engine!.store.get(id, false).catch(() => undefined)));
    if (final.every((v) => v && ['succeeded', 'failed'].includes(v.status))) break;
    if (Date.now() > end) throw new Error(`not final: ${JSON.stringify(final.filter((v) => !v || !['succeeded', 'failed'].includes(v.status)).slice(0, 3))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(final.map((v) => v!.status)).toEqual(ids.map(() => 'succeeded'));
  const effects = await sim.effects();
  expect(domains.map((d) => effects[d]?.registered)).toEqual(domains.map(() => 1));
  expect(renewals.map((d) => effects[d]?.renewed)).toEqual(renewals.map(() => 1));
}, 120_000);
