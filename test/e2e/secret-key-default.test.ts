// Without DOMAINFLOW_SECRET_KEY, the embedded default keeps a key in ./.domainflow/
// (under the folder the command runs in): the first command creates it and says
// so, later ones use it without a word, and an auth code submitted through the
// CLI is in Redis only sealed with it.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { createSecretBox } from '../../src/engine/secret-box.ts';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../helpers/engine-harness.ts';
import { redisText } from '../helpers/redis-text.ts';
import { lastJson, runCli } from '../helpers/sim-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'df-default-key-'));
const prefix = uniquePrefix('default-key');
const AUTH = 'Zq9-default-key-auth-code';
// No key and no DOMAINFLOW_DATA_DIR: the defaults. (Submitting needs no registrar: nothing runs the operation.)
const env = { REDIS_URL, DOMAINFLOW_PREFIX: prefix, DOMAINFLOW_REGISTRAR_URL: 'http://127.0.0.1:9/api/call.cgi', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await deletePrefix(prefix);
});

it('creates a key under ./.domainflow/ once, says so, and seals the auth code with it', async () => {
  const first = await runCli(['transfer', 'default-key.com', '--auth', AUTH, '--json'], env, 30_000, dir);
  expect(first.code, first.stderr).toBe(0);
  const id = lastJson(first.stdout).id as string;
  const file = join(dir, '.domainflow', 'secret.key');
  const key = readFileSync(file, 'utf8');
  expect(key).toMatch(/^[0-9a-f]{64}\n$/);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(first.stderr).toContain('no DOMAINFLOW_SECRET_KEY set: created a key for secrets at rest in .domainflow/secret.key');

  const again = await runCli(['status', id, '--json'], env, 30_000, dir);
  expect(again.code, again.stderr).toBe(0);
  expect(lastJson(again.stdout)).toMatchObject({ id, type: 'transfer', domain: 'default-key.com' });
  expect(again.stderr).not.toContain('created a key');
  expect(readFileSync(file, 'utf8')).toBe(key);
  for (const out of [first.stdout, first.stderr, again.stdout, again.stderr]) expect(out).not.toContain(AUTH);

  const stored = await redisText(REDIS_URL, prefix);
  expect(stored).toContain('default-key.com');
  expect(stored).not.toContain(AUTH);
  // sealed with the key in the file: it opens the operation's secret
  const redis = new Redis(REDIS_URL);
  const data = JSON.parse((await redis.hget(`${prefix}:ops-demo:${id}`, 'data')) ?? '{}') as { s?: Record<string, string> };
  await redis.quit();
  const sealed = Object.values(data.s ?? {});
  expect(sealed).toHaveLength(1);
  expect(createSecretBox(Buffer.from(key.trim(), 'hex')).open(sealed[0]!)).toBe(AUTH);
});
