// The account routes (pause, resume), the OpenAPI document, and /metrics fed
// by a `domainflow worker` process through Redis: the counts match what the
// simulated registrar saw, and no auth code shows up in them.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/metrics/exposition.ts';
import { createApiHarness, type ApiHarness } from '../helpers/api-harness.ts';
import { spawnWorker } from '../helpers/engine-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

const AUTH = 'Metrics-Auth-Secret-9';

let sim: SimProcess;
let api: ApiHarness;
let worker: ChildProcess | undefined;

/** `name{labels} value` lines of the Prometheus text, as "name{labels}" -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function metrics(): Promise<{ text: string; values: Map<string, number> }> {
  const res = await api.call({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: res.body, values: samples(res.body) };
}

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000']);
  api = await createApiHarness('api-metrics', { registrarUrl: sim.url, token: 'metrics-token' });
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  await api?.close();
  await sim?.stop();
});

describe('account', () => {
  it('pauses and resumes the account; the breaker shows in the state and the metrics', async () => {
    const initial = await api.call({ method: 'GET', url: '/v1/accounts/current' });
    expect(initial.json()).toEqual({ account: 'demo', breaker: null, lockPauseMs: 0 });
    const bad = await api.call({ method: 'POST', url: '/v1/accounts/current/pause', payload: { reason: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: 'reason: must not be empty', field: 'reason' });
    expect((await api.call({ method: 'POST', url: '/v1/accounts/current/pause', payload: { why: 'x' } })).json()).toEqual({ error: 'why: unknown field', field: 'why' });
    expect((await api.call({ method: 'GET', url: '/v1/accounts/current?verbose=1' })).json().field).toBe('verbose');

    const paused = await api.call({ method: 'POST', url: '/v1/accounts/current/pause', payload: { reason: 'maintenance' } });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ account: 'demo', breaker: { reason: 'maintenance', at: expect.any(String) } });
    expect((await metrics()).values.get(METRIC_NAMES.breaker)).toBe(1);
    const bare = await api.call({ method: 'POST', url: '/v1/accounts/current/pause' });
    expect(bare.json().breaker.reason).toMatch(/operator/);

    const resumed = await api.call({ method: 'POST', url: '/v1/accounts/current/resume' });
    expect(resumed.json()).toEqual({ account: 'demo', breaker: null, lockPauseMs: 0 });
    const after = (await metrics()).values;
    expect(after.get(METRIC_NAMES.breaker)).toBe(0);
    expect(after.get(METRIC_NAMES.lock)).toBe(0);
  });
});

describe('OpenAPI document', () => {
  it('is an OpenAPI 3 document listing every /v1 route with its schemas, every $ref resolving', async () => {
    const res = await api.call({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'domainflow API', version: expect.any(String) });
    expect((await api.call({ method: 'GET', url: '/docs/json' })).json()).toEqual(doc);
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
        'POST /v1/operations',
        'GET /v1/operations',
        'GET /v1/operations/{id}',
        'POST /v1/operations/{id}/retry',
        'POST /v1/operations/{id}/cancel',
        'POST /v1/retry',
        'POST /v1/batches',
        'GET /v1/batches',
        'GET /v1/batches/{id}',
        'GET /v1/accounts/current',
        'POST /v1/accounts/current/pause',
        'POST /v1/accounts/current/resume',
        'GET /v1/failures',
        'GET /v1/machines',
        'GET /healthz',
        'GET /metrics',
        'GET /',
        'GET /dashboard',
      ].sort(),
    );
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { in: string; name: string; required?: boolean }[] }>>)) {
      for (const [method, op] of Object.entries(item)) {
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          expect(op.parameters?.find((p) => p.in === 'path' && p.name === name)?.required, `${method} ${path} ${name}`).toBe(true);
        }
      }
    }
    const submit = doc.paths['/v1/operations'].post;
    expect(Object.keys(submit.requestBody.content['application/json'].schema.properties)).toEqual(['type', 'domain', 'period', 'auth', 'ns', 'key', 'expiration', 'contacts']);
    expect(submit.responses['400']).toBeDefined();
    expect(Object.keys(doc.paths['/v1/batches'].post.requestBody.content).sort()).toEqual(['application/json', 'application/x-ndjson', 'application/x-www-form-urlencoded', 'text/csv', 'text/plain']);
    expect(doc.paths['/v1/operations'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['status', 'type', 'reason', 'batch', 'offset', 'limit']);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.replace('#/components/schemas/', '')], ref).toBeDefined();
    }
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
  });
});

describe('metrics', () => {
  it('counts what a worker process did, by command and code, as the registrar saw it; no auth code in them', async () => {
    const empty = await metrics();
    for (const name of Object.values(METRIC_NAMES)) expect(empty.text).toContain(`# TYPE ${name} `);

    worker = spawnWorker(api.h.prefix, sim.url, { DOMAINFLOW_RATE_LIMIT: '0' });
    const submitted = [
      { type: 'register', domain: 'metrics-1.com' },
      { type: 'register', domain: 'metrics-2.com' },
      { type: 'register', domain: 'metrics-3.com' },
      { type: 'renew', domain: 'not-ours-metrics.com' },
      { type: 'transfer', domain: 'example.com', auth: AUTH },
    ];
    const ids: string[] = [];
    for (const body of submitted) ids.push((await api.call({ method: 'POST', url: '/v1/operations', payload: body })).json().id);
    const final = await api.h.waitAllFinal(ids, 20_000);
    expect(final.map((o) => [o.status, o.failure?.type])).toEqual([
      ['succeeded', undefined],
      ['succeeded', undefined],
      ['succeeded', undefined],
      ['failed', 'entity_not_found'],
      ['failed', 'transfer_auth_invalid'],
    ]);

    // The worker flushes about once a second.
    const stats = await sim.stats();
    let values = new Map<string, number>();
    let text = '';
    const deadline = Date.now() + 5_000;
    const commandsBy = (code: string) =>
      [...values].filter(([k]) => k.startsWith(`${METRIC_NAMES.commands}{`) && k.includes(`code="${code}"`)).reduce((n, [, v]) => n + v, 0);
    do {
      await new Promise((r) => setTimeout(r, 200));
      ({ text, values } = await metrics());
    } while (Object.entries(stats.byCode).some(([code, n]) => commandsBy(code) !== n) && Date.now() < deadline);

    for (const [code, n] of Object.entries(stats.byCode)) expect(commandsBy(code), `code ${code}`).toBe(n);
    const total = [...values].filter(([k]) => k.startsWith(`${METRIC_NAMES.commands}{`)).reduce((n, [, v]) => n + v, 0);
    expect(total).toBe(stats.commands);
    expect(values.get(`${METRIC_NAMES.commands}{command="CheckDomain",code="210"}`)).toBe(3);
    expect(values.get(`${METRIC_NAMES.commands}{command="AddDomain",code="200"}`)).toBe(3);
    expect(values.get(`${METRIC_NAMES.commands}{command="StatusDomain",code="545"}`)).toBe(1);
    expect(values.get(`${METRIC_NAMES.operations}{type="register",outcome="succeeded",failure_type=""}`)).toBe(3);
    expect(values.get(`${METRIC_NAMES.operations}{type="renew",outcome="failed",failure_type="entity_not_found"}`)).toBe(1);
    expect(values.get(`${METRIC_NAMES.operations}{type="transfer",outcome="failed",failure_type="transfer_auth_invalid"}`)).toBe(1);
    // The histogram counts every command once, cumulative buckets ending at +Inf.
    expect(values.get(`${METRIC_NAMES.duration}_count{command="AddDomain"}`)).toBe(3);
    expect(values.get(`${METRIC_NAMES.duration}_bucket{command="AddDomain",le="+Inf"}`)).toBe(3);
    expect(values.get(`${METRIC_NAMES.duration}_bucket{command="AddDomain",le="30"}`)).toBe(3);
    expect(values.get(`${METRIC_NAMES.duration}_sum{command="AddDomain"}`)).toBeGreaterThanOrEqual(0);
    expect(values.get(`${METRIC_NAMES.queue}{state="completed"}`)).toBe(3);
    expect(values.get(`${METRIC_NAMES.queue}{state="failed"}`)).toBe(2);
    expect(text).not.toContain(AUTH);
  });
});
