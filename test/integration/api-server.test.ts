// startServer and `domainflow serve`: loopback only without a token, a random
// port, one log line per request without the token, a graceful close.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsecureHostError, isLoopback, startServer } from '../../src/api/server.ts';
import { harnessRuntime } from '../helpers/api-harness.ts';
import { createHarness, REDIS_URL, TEST_SECRET_KEY, uniquePrefix, deletePrefix, type Harness } from '../helpers/engine-harness.ts';
import { CLI } from '../helpers/sim-process.ts';

const TOKEN = 'server-test-token-123';
let h: Harness;
const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
const logger = {
  debug: (obj: object, msg?: string) => lines.push({ level: 'debug', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
  info: (obj: object, msg?: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
  warn: (obj: object, msg?: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
  error: (obj: object, msg?: string) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
};

beforeAll(() => {
  h = createHarness('api-server');
});

afterAll(async () => {
  await h?.close();
});

describe('startServer', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });

  it('refuses any host but loopback without a token', async () => {
    const runtime = harnessRuntime(h, 'http://127.0.0.1:1/api/call.cgi');
    await expect(startServer({ runtime, port: 0, host: '0.0.0.0', logger })).rejects.toThrow(InsecureHostError);
    await expect(startServer({ runtime, port: 0, host: '0.0.0.0', logger })).rejects.toThrow(/DOMAINFLOW_API_TOKEN/);
  });

  it('listens on a random loopback port without a token, says why, and closes gracefully', async () => {
    lines.length = 0;
    const server = await startServer({ runtime: harnessRuntime(h, 'http://127.0.0.1:1/api/call.cgi'), port: 0, logger });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect(lines.some((l) => l.msg === 'API listening on loopback only because DOMAINFLOW_API_TOKEN is not set')).toBe(true);
    const res = await fetch(`${server.url}/v1/operations`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('cuts a connection that never finishes its request once the grace time is over, and says so', async () => {
    lines.length = 0;
    const server = await startServer({ runtime: harnessRuntime(h, 'http://127.0.0.1:1/api/call.cgi'), port: 0, logger, closeGraceMs: 300 });
    // An idle keep-alive connection (closed at once) and one that sent half a request (the server waits for the rest).
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const half = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => half.once('connect', resolve));
    half.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const cut = new Promise((resolve) => half.once('close', resolve));
    await new Promise((r) => setTimeout(r, 50)); // the server has read it
    const t0 = Date.now();
    await server.close();
    const took = Date.now() - t0;
    await cut;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3_000);
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({ obj: { cut: 1, inHandlers: 0, graceMs: 300 }, msg: 'API stopping: cutting the connections with no request under way; requests in handlers finish first' });
  });

  it('with a token listens on any address, requires the token, and never logs it', async () => {
    lines.length = 0;
    const server = await startServer({ runtime: harnessRuntime(h, 'http://127.0.0.1:1/api/call.cgi'), port: 0, host: '0.0.0.0', token: TOKEN, logger });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect((await fetch(`${server.url}/v1/batches`)).status).toBe(401);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/v1/batches`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      const page = await fetch(`${server.url}/?token=${TOKEN}`);
      expect(page.status).toBe(200);
      await page.text();
      const bad = await fetch(`${server.url}/v1/operations`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"type":"transfer","domain":"x.com","auth":"Log-Secret"}x' });
      expect(bad.status).toBe(400);
    } finally {
      await server.close();
    }
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.obj.method, l.obj.url, l.obj.status])).toEqual([
      ['GET', '/v1/batches', 401],
      ['GET', '/healthz', 200],
      ['GET', '/v1/batches', 200],
      ['GET', '/?token=***', 200],
      ['POST', '/v1/operations', 400],
    ]);
    expect(requests.map((l) => l.level)).toEqual(['info', 'debug', 'debug', 'debug', 'info']);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain('Log-Secret');
  });
});

describe('domainflow serve', () => {
  const prefix = uniquePrefix('api-serve');
  const env = { ...process.env, REDIS_URL, DOMAINFLOW_PREFIX: prefix, DOMAINFLOW_SECRET_KEY: TEST_SECRET_KEY, DOMAINFLOW_API_TOKEN: '', LOG_LEVEL: 'warn' };

  afterAll(async () => {
    await deletePrefix(prefix);
  });

  function startServe(args: string[], extra: Record<string, string> = {}): Promise<{ child: ReturnType<typeof spawn>; url: string; output: () => string }> {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 15_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /API and dashboard at (http:\/\/127\.0\.0\.1:\d+)\/.*\n/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve({ child, url: m[1]!, output: () => output });
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
  }

  it('serves until SIGTERM, then exits 0', async () => {
    const { child, url, output } = await startServe([]);
    expect(output()).not.toContain('all addresses');
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('--host 0.0.0.0 with a token: prints the local URL and says it listens on all addresses', async () => {
    const { child, url, output } = await startServe(['--host', '0.0.0.0'], { DOMAINFLOW_API_TOKEN: 'serve-test-token' });
    expect(output()).toContain('; listening on all addresses (0.0.0.0), with the bearer token');
    expect(output()).not.toContain('serve-test-token');
    expect((await fetch(`${url}/v1/operations`)).status).toBe(401);
    expect((await fetch(`${url}/v1/operations`, { headers: { authorization: 'Bearer serve-test-token' } })).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses --host 0.0.0.0 without DOMAINFLOW_API_TOKEN (exit 2)', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '0.0.0.0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token: set DOMAINFLOW_API_TOKEN/);
  });
});
