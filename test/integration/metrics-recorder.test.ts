// The workers' metrics: counted in memory, added to the Redis hash in one
// MULTI per flush, kept for the next flush when one fails; cheap per command.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/engine/operation.ts';
import { field } from '../../src/metrics/metric-fields.ts';
import { MetricsRecorder } from '../../src/metrics/recorder.ts';
import { workerMetricsHooks } from '../../src/metrics/worker-hooks.ts';
import type { Outcome } from '../../src/registrar/outcome.ts';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../helpers/engine-harness.ts';

const prefix = uniquePrefix('metrics-recorder');
const key = `${prefix}:df:acct:demo:metrics`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await redis.quit();
  await deletePrefix(prefix);
});

it('adds counts to Redis only when it flushes, and keeps them when a flush fails', async () => {
  const recorder = new MetricsRecorder(redis, key, { intervalMs: 60_000 });
  recorder.add('c|AddDomain|200');
  recorder.add('c|AddDomain|200');
  recorder.add('s|AddDomain', 40);
  expect(await redis.exists(key)).toBe(0);
  await recorder.flush();
  expect(await redis.hgetall(key)).toEqual({ 'c|AddDomain|200': '2', 's|AddDomain': '40' });

  // A key of the wrong type makes the MULTI fail: nothing is lost, nothing counted twice.
  await redis.del(key);
  await redis.set(key, 'not a hash');
  recorder.add('c|AddDomain|200', 3);
  await recorder.flush();
  await redis.del(key);
  recorder.add('c|AddDomain|200');
  await recorder.close();
  expect(await redis.hgetall(key)).toEqual({ 'c|AddDomain|200': '4' });
  await redis.del(key);
});

it('costs a map update per command: 200,000 commands in well under a second, flushed as one MULTI', async () => {
  const hooks = workerMetricsHooks({ redis: redis as never, keys: { metrics: key } as never }, { intervalMs: 60_000 });
  const entry: HistoryEntry = { command: 'CheckDomain', step: 'checkDomain', code: 210, description: 'Domain name available', ms: 12, attempt: 1, at: new Date().toISOString() };
  const started = performance.now();
  for (let i = 0; i < 200_000; i++) hooks.onCommand(entry, undefined as unknown as Outcome);
  const elapsed = performance.now() - started;
  expect(elapsed).toBeLessThan(1_000);
  hooks.onFinal({ t: 'register', d: 'x.com' }, { status: 'succeeded', result: {} });
  hooks.onFinal({ t: 'register', d: 'y.com' }, { status: 'failed', failure: { type: 'cancelled', code: 0, description: 'Cancelled by a user', step: 'addDomain', scope: 'operation' }, redrive: { step: 'addDomain', carried: {} } });
  await hooks.close();
  expect(await redis.hgetall(key)).toEqual({
    [field.command('CheckDomain', 210)]: '200000',
    [field.bucket('CheckDomain', 2)]: '200000',
    [field.durationSum('CheckDomain')]: String(200_000 * 12),
    [field.operation('register', 'succeeded', '')]: '1',
    [field.operation('register', 'cancelled', 'cancelled')]: '1',
  });
});
