// start's own settings are validated before anything starts, naming the variable;
// runtime.json is used by other processes only while its start runs and REDIS_URL is unset.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/engine/config.ts';
import { EMBEDDED_SIM_RATE, launchOptions } from '../../src/launcher/launch-options.ts';
import { readRunningSystem, removeRuntimeFile, withRunningSystem, writeRuntimeFile, type RuntimeFile } from '../../src/launcher/runtime-file.ts';

describe('launchOptions', () => {
  it('has defaults a first run can use', () => {
    const o = launchOptions({});
    expect(o).toMatchObject({ apiPort: 3000, apiHost: '127.0.0.1', concurrency: 8, redisUrl: undefined, defaultRedisUrl: 'redis://127.0.0.1:6379', embeddedSim: true, rateLimit: EMBEDDED_SIM_RATE });
  });

  it('keeps the engine rate for a real registrar and an explicit rate for the sim', () => {
    expect(launchOptions({ DOMAINFLOW_REGISTRAR_URL: 'https://api.example.net/api/call.cgi' })).toMatchObject({ embeddedSim: false, rateLimit: 1 });
    expect(launchOptions({ DOMAINFLOW_RATE_LIMIT: '0' })).toMatchObject({ embeddedSim: true, rateLimit: 0 });
  });

  it('takes the port from the flag before DOMAINFLOW_PORT', () => {
    expect(launchOptions({ DOMAINFLOW_PORT: '4000' }).apiPort).toBe(4000);
    expect(launchOptions({ DOMAINFLOW_PORT: '4000' }, { port: '0' }).apiPort).toBe(0);
  });

  it('listens on every address only with a token', () => {
    expect(launchOptions({ DOMAINFLOW_API_TOKEN: 't0ken' }).apiHost).toBe('0.0.0.0');
    expect(() => launchOptions({}, { host: '0.0.0.0' })).toThrow(/DOMAINFLOW_API_TOKEN/);
  });

  it.each([
    [{ DOMAINFLOW_PORT: 'abc' }, /DOMAINFLOW_PORT/],
    [{ DOMAINFLOW_PORT: '70000' }, /DOMAINFLOW_PORT/],
    [{ DOMAINFLOW_CONCURRENCY: '0' }, /DOMAINFLOW_CONCURRENCY/],
    [{ DOMAINFLOW_DEFAULT_REDIS_URL: 'http://x' }, /DOMAINFLOW_DEFAULT_REDIS_URL/],
    [{ REDIS_URL: 'nope' }, /REDIS_URL/],
    [{ DOMAINFLOW_RATE_LIMIT: '-1' }, /DOMAINFLOW_RATE_LIMIT/],
    [{ DOMAINFLOW_BACKOFF_BASE_MS: 'soon' }, /DOMAINFLOW_BACKOFF_BASE_MS/],
    // a command must leave within half the stall time: under a second is too little
    [{ DOMAINFLOW_STALL_MS: '500' }, /DOMAINFLOW_STALL_MS must be a whole number >= 1000, got "500"/],
  ])('refuses %o naming the variable', (env, name) => {
    expect(() => launchOptions(env)).toThrow(ConfigError);
    expect(() => launchOptions(env)).toThrow(name);
  });
});

describe('runtime.json', () => {
  const file = (pid: number): RuntimeFile => ({
    version: 1,
    pid,
    startedAt: new Date().toISOString(),
    redisUrl: 'redis://127.0.0.1:7777',
    prefix: 'started',
    registrarUrl: 'http://127.0.0.1:8765/api/call.cgi',
    rateLimit: 25,
    apiUrl: 'http://127.0.0.1:3000',
  });

  it('fills what is not set while its process runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'df-rt-'));
    writeRuntimeFile(dir, file(process.pid));
    const env = { DOMAINFLOW_DATA_DIR: dir };
    expect(withRunningSystem(env)).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:7777',
      DOMAINFLOW_PREFIX: 'started',
      DOMAINFLOW_REGISTRAR_URL: 'http://127.0.0.1:8765/api/call.cgi',
      DOMAINFLOW_RATE_LIMIT: '25',
    });
    // what is set wins
    expect(withRunningSystem({ ...env, DOMAINFLOW_PREFIX: 'mine', DOMAINFLOW_RATE_LIMIT: '3' })).toMatchObject({ DOMAINFLOW_PREFIX: 'mine', DOMAINFLOW_RATE_LIMIT: '3' });
    // with REDIS_URL set, the environment alone decides
    expect(withRunningSystem({ ...env, REDIS_URL: 'redis://elsewhere:6379' })).toEqual({ ...env, REDIS_URL: 'redis://elsewhere:6379' });
    removeRuntimeFile(dir);
    expect(readRunningSystem(dir)).toBeUndefined();
    expect(withRunningSystem(env)).toEqual(env);
  });

  it('ignores a file whose process is gone, or that is not ours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'df-rt-'));
    writeRuntimeFile(dir, file(2 ** 22 + 12345)); // above pid_max: never a live process
    expect(readRunningSystem(dir)).toBeUndefined();
    writeFileSync(join(dir, 'runtime.json'), '{ not json');
    expect(readRunningSystem(dir)).toBeUndefined();
    // another process's file is not removed
    writeRuntimeFile(dir, file(process.pid));
    removeRuntimeFile(dir, process.pid + 1);
    expect(readRunningSystem(dir)?.pid).toBe(process.pid);
  });
});
