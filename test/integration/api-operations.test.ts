// The HTTP API's /v1/operations routes over the real Redis and the simulated
// registrar (in its own process), through app.inject(): authentication,
// validation (400 naming the field, nothing queued), an operation run to its
// end by an in-process worker, retry and cancel, and no auth code in any reply.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../../src/engine/engine.ts';
import { createApiHarness, type ApiHarness } from '../helpers/api-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

const TOKEN = 'test-token-operations';
const WRONG_AUTH = 'Wr0ng-Secret-Auth-42';
const RIGHT_AUTH = 'sim-transfer-ok';

let sim: SimProcess;
let api: ApiHarness;
let worker: RunningWorker | undefined;
const replies: LightMyRequestResponse[] = [];

async function call(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<LightMyRequestResponse> {
  const res = await api.call({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });
  replies.push(res);
  return res;
}

async function jobCount(): Promise<number> {
  const counts = await api.h.engine.queue.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

async function waitFinal(id: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('GET', `/v1/operations/${id}`);
    const op = res.json() as Record<string, unknown>;
    if (['succeeded', 'failed', 'cancelled'].includes(op.status as string)) return op;
    if (Date.now() > deadline) throw new Error(`operation ${id} not final: ${res.body}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000', '--transfer-seconds', '1']);
  api = await createApiHarness('api-ops', { registrarUrl: sim.url, token: TOKEN });
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await sim?.stop();
});

describe('authentication', () => {
  it('refuses a request without the token or with a wrong one (401 JSON), accepts the right one', async () => {
    const none = await api.app.inject({ method: 'GET', url: '/v1/operations' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toMatch(/bearer token/);
    const wrong = await api.app.inject({ method: 'GET', url: '/v1/operations', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const longer = await api.app.inject({ method: 'GET', url: '/v1/operations', headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(longer.statusCode).toBe(401);
    const queryToken = await api.app.inject({ method: 'GET', url: `/v1/operations?token=${TOKEN}` });
    expect(queryToken.statusCode).toBe(401);
    const ok = await call('GET', '/v1/operations');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual([]);
    for (const url of ['/metrics', '/docs', '/v1/batches', '/v1/failures', '/v1/accounts/current', '/']) {
      expect((await api.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
    const nothing = await api.app.inject({ method: 'POST', url: '/v1/operations', payload: { type: 'register', domain: 'no-token.com' } });
    expect(nothing.statusCode).toBe(401);
    expect(await jobCount()).toBe(0);
  });

  it('serves /healthz without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', redis: 'ok', queue: 'ok' });
  });

  it('opens the dashboard page with ?token= and not without', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/?token=wrong' })).statusCode).toBe(401);
    const page = await api.app.inject({ method: 'GET', url: `/?token=${TOKEN}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.body).toContain('<title>domainflow</title>');
    expect(page.body).not.toContain(TOKEN);
  });
});

describe('validation', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['a bad domain', { type: 'register', domain: 'bad_name!.com' }, 'domain', /domain: label/],
    ['a one-label domain', { type: 'register', domain: 'localhost' }, 'domain', /at least two labels/],
    ['period 0', { type: 'register', domain: 'ok-name.com', period: 0 }, 'period', /period: must be an integer from 1 to 10, got 0/],
    ['period 11', { type: 'renew', domain: 'ok-name.com', period: 11 }, 'period', /got 11/],
    ['a transfer without auth', { type: 'transfer', domain: 'ok-name.com' }, 'auth', /auth: is required for a transfer/],
    ['an unknown type', { type: 'park', domain: 'ok-name.com' }, 'type', /type: must be one of register, renew, transfer, delete/],
    ['a missing domain', { type: 'register' }, 'domain', /domain: is required/],
    ['an unknown field', { type: 'register', domain: 'ok-name.com', colour: 'red' }, 'colour', /colour: unknown field/],
    ['auth on a register', { type: 'register', domain: 'ok-name.com', auth: 'x' }, 'auth', /only a transfer/],
    ['a body that is not an object', ['register'], 'body', /body: must be an object/],
  ];

  it.each(cases)('refuses %s with 400 naming the field, and queues nothing', async (_name, body, field, message) => {
    const before = await jobCount();
    const res = await call('POST', '/v1/operations', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: expect.stringMatching(message), field });
    expect(await jobCount()).toBe(before);
  });

  it('refuses a body that is not JSON, or none, without quoting it', async () => {
    const before = await jobCount();
    const broken = await api.call({ method: 'POST', url: '/v1/operations', headers: { 'content-type': 'application/json' }, payload: `{"type":"transfer","auth":"${WRONG_AUTH}` });
    replies.push(broken);
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ error: 'body: not valid JSON', field: 'body' });
    const empty = await api.call({ method: 'POST', url: '/v1/operations' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().field).toBe('body');
    const text = await api.call({ method: 'POST', url: '/v1/operations', headers: { 'content-type': 'text/csv' }, payload: 'op,domain\nregister,a.com' });
    expect(text.statusCode).toBe(415);
    expect(text.json().field).toBe('content-type');
    expect(await jobCount()).toBe(before);
  });

  it.each([
    ['/v1/operations?status=done', 'status', /status: must be one of queued, running, waiting, succeeded, failed, cancelled/],
    ['/v1/operations?limit=0', 'limit', /limit: must be a whole number from 1 to 100000/],
    ['/v1/operations?limit=abc', 'limit', /limit: must be a whole number/],
    ['/v1/operations?limit=500000', 'limit', /from 1 to 100000/],
    ['/v1/operations?offset=-1', 'offset', /offset: must be a whole number/],
    ['/v1/operations?type=park', 'type', /type: must be one of register, renew, transfer, delete/],
    ['/v1/operations?type=domain_not_available', 'type', /type: must be one of register, renew, transfer, delete/],
    ['/v1/operations?reason=Not%20A%20Type', 'reason', /reason: must be a failure type/],
    ['/v1/operations?operationType=register', 'operationType', /operationType: unknown query parameter/],
    ['/v1/operations?stauts=failed', 'stauts', /stauts: unknown query parameter/],
    ['/v1/operations/op%20bad!', 'id', /id: must be an operation id/],
    // found by Fastify before any route: the same shape all the same
    ['/v1/operations/%ZZ', 'url', /^url: not a valid URL/],
  ])('GET %s: 400 naming %s', async (url, field, message) => {
    const res = await call('GET', url);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: expect.stringMatching(message), field });
  });

  it('answers 404 JSON for an unknown operation and an unknown route', async () => {
    const unknown = await call('GET', '/v1/operations/op_doesnotexist');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'no operation op_doesnotexist', field: 'id' });
    expect((await call('POST', '/v1/operations/op_doesnotexist/retry')).statusCode).toBe(404);
    expect((await call('POST', '/v1/operations/op_doesnotexist/cancel')).statusCode).toBe(404);
    const route = await call('GET', '/v1/nothing');
    expect(route.statusCode).toBe(404);
    expect(route.json()).toEqual({ error: 'no route GET /v1/nothing' });
  });
});

describe('running operations', () => {
  it('runs a submitted registration to succeeded and shows its history; the same key answers 202 with it, marked as a replay', async () => {
    const res = await call('POST', '/v1/operations', { type: 'register', domain: 'API-Run-1.com', period: 2, key: 'api-run-1' });
    expect(res.statusCode).toBe(202);
    expect(res.headers['x-idempotent-replay']).toBeUndefined();
    const op = res.json();
    expect(op).toMatchObject({ type: 'register', domain: 'api-run-1.com', status: 'queued', period: 2, key: 'api-run-1' });
    expect(op.history).toBeUndefined();
    const again = await call('POST', '/v1/operations', { type: 'register', domain: 'api-run-1.com', period: 2, key: 'api-run-1' });
    expect(again.statusCode).toBe(202);
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect(again.json().id).toBe(op.id);
    // the key names that operation: asking for anything else with it is refused, and nothing is queued
    for (const other of [
      { type: 'renew', domain: 'api-run-1.com', period: 2 },
      { type: 'register', domain: 'api-run-2.com', period: 2 },
      { type: 'register', domain: 'api-run-1.com', period: 3 },
    ]) {
      const conflict = await call('POST', '/v1/operations', { ...other, key: 'api-run-1' });
      expect(conflict.statusCode, JSON.stringify(other)).toBe(409);
      expect(conflict.json()).toEqual({ error: expect.stringMatching(new RegExp(`^key "api-run-1" already names ${op.id} \\(register api-run-1\\.com for 2 year\\(s\\)\\), not ${other.type} ${other.domain.replace('.', '\\.')}`)), field: 'key' });
    }
    expect((await api.h.engine.store.list({})).map((o) => o.domain)).not.toContain('api-run-2.com');

    worker = api.h.engine.startWorker({ registrar: api.runtime.registrar(), concurrency: 4 });
    const final = await waitFinal(op.id);
    expect(final).toMatchObject({ id: op.id, status: 'succeeded', state: 'succeeded', result: { expirationDate: expect.any(String) } });
    const history = final.history as { command: string; code: number; description: string; ms: number; attempt: number; at: string; step: string }[];
    expect(history.map((h) => [h.command, h.code])).toEqual([
      ['CheckDomain', 210],
      ['AddDomain', 200],
    ]);
    expect(history[1]).toMatchObject({ step: 'addDomain', attempt: 1, description: expect.any(String), ms: expect.any(Number), at: expect.any(String) });

    const listed = await call('GET', '/v1/operations?status=succeeded&type=register');
    expect(listed.json().map((o: { id: string }) => o.id)).toContain(op.id);
    expect(listed.json()[0].history).toBeUndefined();
    expect((await call('GET', '/v1/operations?status=succeeded&type=renew')).json()).toEqual([]);
    // the contract's URL as a template leaves it: empty parameters filter nothing
    const blank = await call('GET', '/v1/operations?status=&type=&batch=');
    expect(blank.statusCode).toBe(200);
    expect(blank.json().map((o: { id: string }) => o.id)).toContain(op.id);
    const paged = await call('GET', '/v1/operations?status=succeeded&offset=1&limit=1');
    expect(paged.json()).toEqual([]);
    expect(paged.headers['x-next-offset']).toBeUndefined();
    // only the filters' empty values mean "any": a misspelt parameter is still refused, empty or not
    expect((await call('GET', '/v1/operations?stauts=')).json()).toEqual({ error: 'stauts: unknown query parameter', field: 'stauts' });
  });

  it('retries a failed operation and refuses to retry one that did not fail (409) or to cancel one that ended (409)', async () => {
    const res = await call('POST', '/v1/operations', { type: 'renew', domain: 'not-in-this-account.com' });
    const failed = await waitFinal(res.json().id);
    expect(failed).toMatchObject({ status: 'failed', failure: { type: 'entity_not_found', code: 545 } });
    const byType = await call('GET', '/v1/operations?status=failed&reason=entity_not_found');
    expect(byType.json().map((o: { id: string }) => o.id)).toEqual([failed.id]);

    const retried = await call('POST', `/v1/operations/${failed.id}/retry`);
    expect(retried.statusCode).toBe(202);
    expect(retried.json().status).not.toBe('failed');
    const again = await waitFinal(failed.id as string);
    expect(again.status).toBe('failed');
    expect((again.history as unknown[]).length).toBeGreaterThan((failed.history as unknown[]).length);

    const succeeded = (await call('GET', '/v1/operations?status=succeeded')).json()[0];
    const noRetry = await call('POST', `/v1/operations/${succeeded.id}/retry`);
    expect(noRetry.statusCode).toBe(409);
    expect(noRetry.json().error).toMatch(/has not failed/);
    const noCancel = await call('POST', `/v1/operations/${succeeded.id}/cancel`);
    expect(noCancel.statusCode).toBe(409);
    expect(noCancel.json().error).toMatch(/already ended/);
  });

  it('cancels a queued operation', async () => {
    await api.h.engine.account.pause('test: hold the queue');
    try {
      const res = await call('POST', '/v1/operations', { type: 'register', domain: 'cancel-me.com' });
      const cancelled = await call('POST', `/v1/operations/${res.json().id}/cancel`);
      expect(cancelled.statusCode).toBe(200);
      expect(cancelled.json()).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled' } });
      expect((await call('GET', '/v1/operations?status=cancelled')).json().map((o: { id: string }) => o.id)).toEqual([res.json().id]);
    } finally {
      await api.h.engine.account.resume();
    }
  });

  it('never shows a transfer auth code in any reply', async () => {
    const wrong = await call('POST', '/v1/operations', { type: 'transfer', domain: 'example.net', auth: WRONG_AUTH });
    const right = await call('POST', '/v1/operations', { type: 'transfer', domain: 'example.org', auth: RIGHT_AUTH });
    expect(wrong.statusCode).toBe(202);
    const [w, r] = await Promise.all([waitFinal(wrong.json().id), waitFinal(right.json().id, 20_000)]);
    expect(w).toMatchObject({ status: 'failed', failure: { type: 'transfer_auth_invalid' } });
    expect(r.status).toBe('succeeded');
    const transferEntry = (w.history as { command: string; params?: Record<string, string> }[]).find((e) => e.command === 'TransferDomain');
    expect(transferEntry?.params?.AUTH).toBe('***');
    const invalid = await call('POST', '/v1/operations', { type: 'transfer', domain: 'bad..name', auth: WRONG_AUTH });
    expect(invalid.statusCode).toBe(400);
    await call('GET', '/v1/operations');
    await call('GET', '/v1/failures');
    for (const res of replies) {
      expect(res.body).not.toContain(WRONG_AUTH);
      expect(res.body).not.toContain(RIGHT_AUTH);
    }
  });
});
