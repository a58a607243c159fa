// POST /v1/batches with JSON, NDJSON and CSV bodies: good lines queued, bad
// lines listed with their line numbers, nothing queued for a body with no
// good line; a registration batch's availability check; batch progress; the
// redrive of many (POST /v1/retry); the failure catalogue's counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../../src/engine/engine.ts';
import { createApiHarness, type ApiHarness } from '../helpers/api-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

const TAKEN = ['api-batch-taken-1.com', 'api-batch-taken-2.com'];
const SECRET = 'Batch-Auth-Secret-77';

let sim: SimProcess;
let api: ApiHarness;
let worker: RunningWorker;

async function jobCount(): Promise<number> {
  const counts = await api.h.engine.queue.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function post(body: string, contentType: string, url = '/v1/batches') {
  return api.call({ method: 'POST', url, headers: { 'content-type': contentType }, payload: body });
}

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000', '--taken', TAKEN.join(',')]);
  api = await createApiHarness('api-batches', { registrarUrl: sim.url });
  // Held until the account resumes, so that counts and cancels are deterministic.
  await api.h.engine.account.pause('test: hold the queue');
  worker = api.h.engine.startWorker({ registrar: api.runtime.registrar(), concurrency: 8 });
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await sim?.stop();
});

describe('bodies that queue nothing', () => {
  it.each([
    ['an empty body', '', 'text/csv', /body: empty/],
    ['only blanks', '  \n\n', 'application/x-ndjson', /body: empty/],
    ['a CSV with a bad header', 'op,domain,colour\nregister,a-bad-header.com,red\n', 'text/csv', /header: unknown column\(s\) colour/],
    ['a CSV without a domain column', 'op,period\nregister,1\n', 'text/csv', /header: it needs the columns op and domain/],
    ['JSON that is not an array', '{"type":"register","domain":"x.com"}', 'application/json', /body: a JSON batch must be an array/],
    ['broken JSON with an auth code in it', `[{"type":"transfer","domain":"x.com","auth":"${SECRET}"`, 'application/json', /body: not valid JSON/],
  ])('refuses %s with 400 and queues nothing', async (_name, body, contentType, message) => {
    const before = await jobCount();
    const res = await post(body, contentType);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: expect.stringMatching(message), field: 'body' });
    expect(res.body).not.toContain(SECRET);
    expect(await jobCount()).toBe(before);
  });

  it('refuses a batch whose every line is invalid, listing each line, and queues nothing', async () => {
    const before = await jobCount();
    const res = await post('op,domain,period\nregister,bad..name,1\nrenew,ok-name.com,11\ntransfer,ok-name.com,1\n', 'text/csv');
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toMatch(/none of the 3 lines is a valid operation/);
    expect(body.rejected.map((r: { line: number; field: string }) => [r.line, r.field])).toEqual([
      [2, 'domain'],
      [3, 'period'],
      [4, 'auth'],
    ]);
    expect(await jobCount()).toBe(before);
  });

  it('refuses a content type it does not read (415)', async () => {
    const res = await post('<batch/>', 'application/xml');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ error: 'content-type: "application/xml" is not accepted here', field: 'content-type' });
  });

  it('checks the query string', async () => {
    expect((await api.call({ method: 'GET', url: '/v1/batches?limit=0' })).json()).toEqual({ error: 'limit: must be a whole number from 1 to 200', field: 'limit' });
    expect((await api.call({ method: 'GET', url: '/v1/batches/nope!' })).json().field).toBe('id');
    const unknown = await api.call({ method: 'GET', url: '/v1/batches/b_unknown' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'no batch b_unknown', field: 'id' });
  });
});

describe('batches with good and bad lines', () => {
  it('CSV: queues the good lines, lists the bad ones with their line numbers', async () => {
    const before = await jobCount();
    const csv = ['op,domain,period,auth', 'renew,csv-good-1.com,1,', 'renew,bad_name.com,1,', '# a comment', 'delete,csv-good-2.com,,', 'transfer,csv-good-3.com,1,', ''].join('\n');
    const res = await post(csv, 'text/csv', '/v1/batches?source=domains.csv');
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([
      { line: 3, error: expect.stringMatching(/^domain: /), field: 'domain' },
      { line: 6, error: 'auth: is required for a transfer', field: 'auth' },
    ]);
    expect(body.operations.map((o: { line: number; domain: string; status: string }) => [o.line, o.domain, o.status])).toEqual([
      [2, 'csv-good-1.com', 'queued'],
      [5, 'csv-good-2.com', 'queued'],
    ]);
    expect(await jobCount()).toBe(before + 2);
    const summary = (await api.call({ method: 'GET', url: `/v1/batches/${body.batch}` })).json();
    expect(summary).toMatchObject({ batch: body.batch, total: 2, source: 'domains.csv', done: false, counts: { queued: 2 } });
    // Cancel them: the CSV's domains are not in the account and are not needed further.
    for (const op of body.operations) expect((await api.call({ method: 'POST', url: `/v1/operations/${op.id}/cancel` })).statusCode).toBe(200);
  });

  it('a line whose idempotency key already names another operation (earlier, or on an earlier line) is rejected, naming the key; a true replay is that operation again', async () => {
    const first = await api.call({ method: 'POST', url: '/v1/operations', payload: { type: 'renew', domain: 'key-owner.com', period: 1, key: 'key-b' } });
    expect(first.statusCode).toBe(202);
    const before = await jobCount();
    const csv = ['op,domain,period,key', 'renew,key-1.com,1,key-a', 'renew,key-2.com,1,key-a', 'renew,key-3.com,1,key-b', 'renew,key-owner.com,1,key-b', 'delete,key-4.com,,', 'renew,key-1.com,1,key-a'].join('\n');
    const res = await post(csv, 'text/csv');
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.rejected).toEqual([
      { line: 3, error: expect.stringMatching(/^key "key-a" already names op_\S+ \(renew key-1\.com for 1 year\(s\)\), not renew key-2\.com/), field: 'key' },
      { line: 4, error: expect.stringMatching(new RegExp(`^key "key-b" already names ${first.json().id} \\(renew key-owner\\.com`)), field: 'key' },
    ]);
    expect(body.accepted).toBe(4);
    expect(body.operations.map((o: { line: number; domain: string }) => [o.line, o.domain])).toEqual([
      [2, 'key-1.com'],
      [5, 'key-owner.com'],
      [6, 'key-4.com'],
      [7, 'key-1.com'],
    ]);
    expect(body.operations[1].id).toBe(first.json().id);
    expect(body.operations[3].id).toBe(body.operations[0].id);
    // replays are the operations that were there: two new jobs, and the batch counts each operation once
    expect(await jobCount()).toBe(before + 2);
    const progress = (await api.call({ method: 'GET', url: `/v1/batches/${body.batch}` })).json();
    expect(progress.total).toBe(3);
    expect(progress.counts.queued).toBe(3);
    // renewals of names nobody registered: out of the way of the failure counts below
    for (const id of new Set((body.operations as { id: string }[]).map((o) => o.id))) expect((await api.call({ method: 'POST', url: `/v1/operations/${id}/cancel` })).statusCode).toBe(200);
  });

  it('a batch that replays a queued registration of a taken name leaves it alone (the replay is not checked, nor failed)', async () => {
    const queued = await api.call({ method: 'POST', url: '/v1/operations', payload: { type: 'register', domain: TAKEN[0], period: 1, key: 'held-taken' } });
    expect(queued.json().status).toBe('queued');
    const res = await post(`op,domain,period,key\nregister,${TAKEN[0]},1,held-taken\n`, 'text/csv');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, checkCommands: 0, operations: [{ id: queued.json().id, status: 'queued' }] });
    expect((await api.call({ method: 'GET', url: `/v1/operations/${queued.json().id}` })).json().status).toBe('queued');
    expect((await api.call({ method: 'POST', url: `/v1/operations/${queued.json().id}/cancel` })).statusCode).toBe(200);
  });

  it('NDJSON: a line that is not JSON and a line that is not a valid operation are listed', async () => {
    const ndjson = [`{"type":"renew","domain":"nd-good.com"}`, `{"type":"transfer","domain":"nd-x.com","auth":"${SECRET}"`, `{"op":"renew","domain":"nd-bad","period":1}`, `{"op":"delete","domain":"nd-good-2.com"}`].join('\n');
    const res = await post(ndjson, 'application/x-ndjson');
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r: { line: number }) => r.line)).toEqual([2, 3]);
    expect(body.rejected[0].error).toBe('line: not valid JSON');
    expect(res.body).not.toContain(SECRET);
    for (const op of body.operations) await api.call({ method: 'POST', url: `/v1/operations/${op.id}/cancel` });
  });

  it('JSON array: positions are the line numbers', async () => {
    const res = await api.call({ method: 'POST', url: '/v1/batches', payload: [{ type: 'renew', domain: 'js-good.com' }, { type: 'renew', domain: 'js-good.com', period: 0 }] });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ line: 2, field: 'period' }] });
    for (const op of res.json().operations) await api.call({ method: 'POST', url: `/v1/operations/${op.id}/cancel` });
  });

  it.each([
    ['text/plain', 'op,domain\nrenew,plain-good.com\n'],
    ['application/x-www-form-urlencoded', 'op,domain\nrenew,curl-data-binary.com\n'],
    ['application/x-www-form-urlencoded', '[{"type":"renew","domain":"curl-json.com"}]'],
  ])('%s is read as whichever it looks like', async (contentType, body) => {
    const res = await post(body, contentType);
    expect(res.statusCode).toBe(202);
    expect(res.json().accepted).toBe(1);
    for (const op of res.json().operations) await api.call({ method: 'POST', url: `/v1/operations/${op.id}/cancel` });
  });

  it('lists every operation of a batch bigger than a page, and pages on request with x-next-offset', async () => {
    const items = Array.from({ length: 130 }, (_, i) => ({ type: 'renew', domain: `page-${i}.com` }));
    const res = await post(JSON.stringify(items), 'application/json');
    expect(res.statusCode).toBe(202);
    const batch = res.json().batch as string;
    const all = await api.call({ method: 'GET', url: `/v1/operations?batch=${batch}` });
    expect(all.json().map((o: { domain: string }) => o.domain)).toEqual(items.map((i) => i.domain));
    expect(all.headers['x-next-offset']).toBeUndefined();
    const first = await api.call({ method: 'GET', url: `/v1/operations?batch=${batch}&limit=100` });
    expect(first.json()).toHaveLength(100);
    expect(first.headers['x-next-offset']).toBe('100');
    const rest = await api.call({ method: 'GET', url: `/v1/operations?batch=${batch}&offset=100&limit=100` });
    expect(rest.json().map((o: { domain: string }) => o.domain)).toEqual(items.slice(100).map((i) => i.domain));
    expect(rest.headers['x-next-offset']).toBeUndefined();
    for (const op of res.json().operations) await api.call({ method: 'POST', url: `/v1/operations/${op.id}/cancel` });
  });
});

describe('a batch of registrations', () => {
  it('checks availability 32 names a command, fails taken names at once, runs the rest; progress, failures and redrive by batch', async () => {
    await api.h.engine.account.resume();
    const free = Array.from({ length: 6 }, (_, i) => `api-batch-free-${i}.com`);
    const csv = ['op,domain', ...[...free, ...TAKEN].map((d) => `register,${d}`)].join('\n');
    const res = await post(csv, 'text/csv');
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ accepted: 8, rejected: [], checkCommands: 1 });
    const taken = body.operations.filter((o: { domain: string }) => TAKEN.includes(o.domain));
    expect(taken.map((o: { status: string }) => o.status)).toEqual(['failed', 'failed']);

    const deadline = Date.now() + 20_000;
    let summary;
    do {
      await new Promise((r) => setTimeout(r, 150));
      summary = (await api.call({ method: 'GET', url: `/v1/batches/${body.batch}` })).json();
    } while (!summary.done && Date.now() < deadline);
    expect(summary).toMatchObject({ total: 8, done: true, counts: { succeeded: 6, failed: 2, queued: 0, running: 0, waiting: 0, cancelled: 0 } });
    const recent = (await api.call({ method: 'GET', url: '/v1/batches?limit=10' })).json();
    expect(recent[0].batch).toBe(body.batch);
    expect(recent.length).toBe(10); // every batch this file queued: 3 CSV/NDJSON/JSON, 2 with keys, 3 detected, 1 paged, this one

    const failures = (await api.call({ method: 'GET', url: '/v1/failures' })).json() as { type: string; failed: number; text: string }[];
    const notAvailable = failures.find((f) => f.type === 'domain_not_available');
    expect(notAvailable).toMatchObject({ failed: 2, text: expect.stringMatching(/not available/) });
    expect(failures.filter((f) => f.failed > 0).map((f) => f.type)).toEqual(['domain_not_available']);

    const stats = await sim.stats();
    expect(stats.byCode).toMatchObject({ '200': 1 + 6 });

    expect((await api.call({ method: 'POST', url: '/v1/retry', payload: {} })).json()).toEqual({ error: 'reason: give a failure type (reason), a batch, or both', field: 'reason' });
    expect((await api.call({ method: 'POST', url: '/v1/retry', payload: { reason: 'Bad Type' } })).json().field).toBe('reason');
    expect((await api.call({ method: 'POST', url: '/v1/retry', payload: { type: 'Bad Type' } })).json().field).toBe('type');
    const misspelt = await api.call({ method: 'POST', url: '/v1/retry', payload: { reason: 'domain_not_availble' } });
    expect(misspelt.statusCode).toBe(400);
    expect(misspelt.json()).toMatchObject({ field: 'reason', error: expect.stringContaining('no failure type "domain_not_availble"') });
    expect((await api.call({ method: 'POST', url: '/v1/retry', payload: { batch: 'b_nosuchbatch' } })).json()).toEqual({ error: 'no batch "b_nosuchbatch"', field: 'batch' });
    expect((await api.call({ method: 'POST', url: '/v1/retry', payload: { reason: 'a', type: 'b' } })).json()).toEqual({ error: 'type: reason and type name the same filter: give one', field: 'type' });
    expect((await api.call({ method: 'POST', url: '/v1/retry', payload: { batch: body.batch, why: 'x' } })).json()).toEqual({ error: 'why: unknown field', field: 'why' });
    // `type`, its first name, redrives nothing here that is not of the batch; `reason` does the redrive
    expect((await api.call({ method: 'POST', url: '/v1/retry', payload: { batch: body.batch, type: 'retries_exhausted' } })).json()).toEqual({ redriven: 0, operations: [] });
    const redriven = await api.call({ method: 'POST', url: '/v1/retry', payload: { batch: body.batch, reason: 'domain_not_available' } });
    expect(redriven.statusCode).toBe(202);
    expect(redriven.json().redriven).toBe(2);
    expect(redriven.json().operations.map((o: { domain: string }) => o.domain).sort()).toEqual([...TAKEN].sort());
  });
});
