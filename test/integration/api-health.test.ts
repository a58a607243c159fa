// /healthz against a Redis that goes away: 200 while it answers, 503 (within
// the check's 2 s timeout, not hanging on the engine's retrying connection)
// once it is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { defaultPolicy } from '../../machines/backoff.ts';
import { buildApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/engine/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { createSecretBox } from '../../src/engine/secret-box.ts';
import { silentLogger } from '../../src/registrar/mask.ts';

let redisServer: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

afterAll(() => {
  if (redisServer && redisServer.exitCode === null) redisServer.kill('SIGKILL');
});

it('answers 503 naming the problem when Redis stops answering', async () => {
  const port = await freePort();
  redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  probe.on('error', () => undefined);
  for (let i = 0; i < 50; i++) {
    if (await probe.ping().catch(() => undefined)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  probe.disconnect();

  const engine = new Engine({ redisUrl: url, prefix: 'health', account: 'demo', secrets: createSecretBox(Buffer.alloc(32)), policy: defaultPolicy(), rateLimit: 0 });
  const queueConnection = (engine as unknown as { queueConnection: Redis }).queueConnection;
  // The engine's connections do not listen for errors: keep ioredis from printing each reconnect.
  for (const connection of [engine.redis, queueConnection]) connection.on('error', () => undefined);
  const app = await buildApp({ runtime: { config: loadConfig({}), engine, registrar: () => { throw new Error('not used'); }, close: () => engine.close() }, logger: silentLogger });
  try {
    const up = await app.inject({ method: 'GET', url: '/healthz' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ status: 'ok', redis: 'ok', queue: 'ok' });

    const exited = new Promise((r) => redisServer!.once('exit', r));
    redisServer.kill('SIGKILL');
    await exited;
    const started = Date.now();
    const down = await app.inject({ method: 'GET', url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'unavailable' });
    expect(down.json().redis).not.toBe('ok');
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    await app.close();
    // Redis is gone: drop the connections rather than wait for them to close politely.
    engine.redis.disconnect();
    queueConnection.disconnect();
  }
});
