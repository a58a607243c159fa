// A renewal that knows the current expiration costs one registrar command, over
// the API as on the command line; the value is validated like every other field.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RegistrarClient } from '../../src/registrar/client.ts';
import { createApiHarness, type ApiHarness } from '../helpers/api-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

let sim: SimProcess;
let api: ApiHarness;

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000']);
  api = await createApiHarness('renew-exp', { registrarUrl: sim.url });
});

afterAll(async () => {
  await api?.close();
  await sim?.stop();
});

it('renews with the given expiration in a single RenewDomain', async () => {
  const direct = new RegistrarClient({ url: sim.url, login: 'demo', password: 'demo' });
  const added = await direct.addDomain({ domain: 'known-exp.com', period: 1 });
  await direct.close();
  expect(added.code).toBe(200);
  const expiration = added.kind === 'reply' ? (added.data as { expirationDate?: string }).expirationDate! : '';

  const bad = await api.call({ method: 'POST', url: '/v1/operations', payload: { type: 'renew', domain: 'known-exp.com', expiration: 'next year' } });
  expect(bad.statusCode).toBe(400);
  expect(bad.json()).toMatchObject({ field: 'expiration', error: expect.stringMatching(/^expiration: must be the current expiration/) });
  const wrongType = await api.call({ method: 'POST', url: '/v1/operations', payload: { type: 'register', domain: 'x-exp.com', expiration: '2027' } });
  expect(wrongType.json()).toMatchObject({ field: 'expiration' });

  const worker = api.h.engine.startWorker({ registrar: api.h.client(sim.url), concurrency: 1 });
  const res = await api.call({ method: 'POST', url: '/v1/operations', payload: { type: 'renew', domain: 'known-exp.com', period: 1, expiration: expiration.slice(0, 10) } });
  expect(res.statusCode).toBe(202);
  const [done] = await api.h.waitAllFinal([res.json().id], 10_000);
  await worker.close();
  expect(done!.status).toBe('succeeded');
  expect((await api.h.engine.store.history(done!.id)).map((e) => e.command)).toEqual(['RenewDomain']);
  expect((await sim.effects())['known-exp.com']?.renewed).toBe(1);
});
