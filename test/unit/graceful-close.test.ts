// gracefulClose: a request in a handler finishes and gets its answer however long
// it takes; a connection with none that holds the close (half a request sent) is
// cut after the grace time; an idle keep-alive connection closes at once.
import { connect } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { gracefulClose } from '../../src/api/graceful-close.ts';

function recordingLogger() {
  const warnings: { obj: object; msg?: string }[] = [];
  const none = () => undefined;
  return { warnings, logger: { debug: none, info: none, error: none, warn: (obj: object, msg?: string) => warnings.push({ obj, ...(msg ? { msg } : {}) }) } };
}

describe('gracefulClose', () => {
  it('lets a request in a handler finish, and cuts a half-sent request after the grace time', async () => {
    const { warnings, logger } = recordingLogger();
    const app = Fastify();
    const closer = gracefulClose(app, 200, logger);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    app.get('/slow', async () => {
      entered();
      await released;
      return { done: true };
    });
    app.get('/fast', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const base = `http://127.0.0.1:${port}`;

    // idle keep-alive
    const fast = await fetch(`${base}/fast`);
    expect(await fast.json()).toEqual({ ok: true });
    // half a request
    const half = connect(port, '127.0.0.1');
    await new Promise((r) => half.once('connect', r));
    half.write('GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let halfClosedAt = 0;
    half.once('close', () => (halfClosedAt = Date.now()));
    half.on('error', () => undefined);
    // a request in its handler
    const slow = fetch(`${base}/slow`);
    await inHandler;

    const t0 = Date.now();
    let closedAt = 0;
    const closed = closer.close().then(() => (closedAt = Date.now()));
    await new Promise((r) => setTimeout(r, 500));
    expect(halfClosedAt - t0).toBeGreaterThanOrEqual(150);
    expect(halfClosedAt).toBeGreaterThan(0);
    expect(closedAt).toBe(0); // the handler still runs: the close waits for it
    expect(warnings).toEqual([{ obj: { cut: 1, inHandlers: 1, graceMs: 200 }, msg: 'API stopping: cutting the connections with no request under way; requests in handlers finish first' }]);

    release();
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closed;
    expect(closedAt).toBeGreaterThan(0);
    expect(closer.close()).toBe(closer.close()); // once
  });

  it('says nothing and cuts nothing when the close needs no grace', async () => {
    const { warnings, logger } = recordingLogger();
    const app = Fastify();
    const closer = gracefulClose(app, 100, logger);
    app.get('/fast', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    expect(await (await fetch(`http://127.0.0.1:${port}/fast`)).json()).toEqual({ ok: true });
    const t0 = Date.now();
    await closer.close();
    expect(Date.now() - t0).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 150));
    expect(warnings).toEqual([]);
  });
});
