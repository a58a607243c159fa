// Data under the key layout of builds before 2026-12-01 ({prefix}:...) is not
// passed over in silence: a process refuses to start on it, naming the setting
// that reads it (DOMAINFLOW_PREFIX={prefix}). Real Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConfigError } from '../../src/engine/config.ts';
import { refuseOlderLayout } from '../../src/engine/key-layout.ts';
import { Keys } from '../../src/engine/keys.ts';
import { deletePrefix, REDIS_URL, TEST_SECRET_KEY, uniquePrefix } from '../helpers/engine-harness.ts';
import { lastJson, runCli } from '../helpers/sim-process.ts';

const prefix = uniquePrefix('layout');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await deletePrefix(prefix);
  await deletePrefix(`{${prefix}}`);
  await redis.quit();
});

it('refuses a prefix whose data is under the older layout only; takes it under the current one, or with the braces', async () => {
  // nothing anywhere: a new system
  await expect(refuseOlderLayout(REDIS_URL, prefix, 'demo')).resolves.toBeUndefined();
  // an older build's operations index
  await redis.zadd(new Keys(`{${prefix}}`, 'demo').operations, 1, 'op_old');
  const err = await refuseOlderLayout(REDIS_URL, prefix, 'demo').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect(err).toMatchObject({ field: 'DOMAINFLOW_PREFIX', message: expect.stringContaining(`set DOMAINFLOW_PREFIX={${prefix}} to go on with them`) });
  // another account's data is not this one's
  await expect(refuseOlderLayout(REDIS_URL, prefix, 'other')).resolves.toBeUndefined();
  // the braces read the older data as it is
  await expect(refuseOlderLayout(REDIS_URL, `{${prefix}}`, 'demo')).resolves.toBeUndefined();

  // every command says so before it does anything: exit 2, the variable as the field
  const env = { REDIS_URL, DOMAINFLOW_PREFIX: prefix, DOMAINFLOW_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'error' };
  const listed = await runCli(['list', '--json'], env);
  expect(listed.code).toBe(2);
  expect(lastJson(listed.stdout)).toMatchObject({ field: 'DOMAINFLOW_PREFIX' });
  const submitted = await runCli(['register', 'layout-check.com'], env);
  expect(submitted.code).toBe(2);
  expect(await redis.exists(new Keys(prefix, 'demo').operations)).toBe(0);

  // once the current layout holds the system's data, the older keys are left alone
  await redis.zadd(new Keys(prefix, 'demo').operations, 1, 'op_new');
  await expect(refuseOlderLayout(REDIS_URL, prefix, 'demo')).resolves.toBeUndefined();
}, 30_000);
