// Credit runs out in the middle of a batch: the breaker opens, the rest stays
// queued (not failed); after credit is restored and the account resumed, they all finish.
// A wrong password (530) stops the account the same way.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RegistrarClient } from '../../src/registrar/client.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { createHarness, waitFor, type Harness } from '../helpers/engine-harness.ts';
import { startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

let sim: SimProcess;
let h: Harness;

beforeAll(async () => {
  // register costs 10 a year: credit for exactly five registrations
  sim = await startSimProcess(['--credit', '50', '--rate', '1000']);
  h = createHarness('breaker');
});

afterAll(async () => {
  await h?.close();
  await sim?.stop();
});

it('546 opens the breaker, keeps the rest queued, and resume finishes them', async () => {
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 3 });
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await h.engine.store.submit({ type: 'register', domain: `credit-${i}.com`, period: 1 })).operation.id);

  // Wait until the breaker is open and nothing is running any more.
  const deadline = Date.now() + 20_000;
  let views = await Promise.all(ids.map((id) => h.engine.store.get(id, false)));
  while (Date.now() < deadline) {
    const state = await h.engine.account.state();
    views = await Promise.all(ids.map((id) => h.engine.store.get(id, false)));
    if (state.breaker && !views.some((v) => v?.status === 'running')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const state = await h.engine.account.state();
  expect(state.breaker).toMatchObject({ reason: 'credit_limit_exceeded', code: 546 });
  const byStatus = (s: string) => views.filter((v) => v?.status === s);
  expect(byStatus('succeeded')).toHaveLength(5);
  expect(byStatus('failed')).toHaveLength(1);
  expect(byStatus('failed')[0]!.failure).toMatchObject({ type: 'credit_limit_exceeded', code: 546, step: 'addDomain' });
  // the other six are still pending: queued or waiting, none failed
  expect(views.filter((v) => v && ['queued', 'waiting'].includes(v.status))).toHaveLength(6);

  // Nothing more happens while the breaker is open.
  const before = (await sim.stats()).commands;
  await new Promise((r) => setTimeout(r, 700));
  expect((await sim.stats()).commands).toBe(before);

  await sim.post('/credit', { account: 'demo', amount: 1000 });
  await h.engine.account.resume();
  const final = await h.waitAllFinal(ids, 20_000);
  expect(final.filter((v) => v.status === 'succeeded')).toHaveLength(11);
  expect(final.filter((v) => v.status === 'failed').map((v) => v.failure?.type)).toEqual(['credit_limit_exceeded']);
  const effects = await sim.effects();
  for (let i = 0; i < 12; i++) {
    const failedDomain = final.find((v) => v.status === 'failed')!.domain;
    expect(effects[`credit-${i}.com`]?.registered ?? 0, `credit-${i}.com`).toBe(`credit-${i}.com` === failedDomain ? 0 : 1);
  }

  // The failed one can be redriven now that there is credit.
  const failedId = final.find((v) => v.status === 'failed')!.id;
  await h.engine.store.retry(failedId);
  const [redriven] = await h.waitAllFinal([failedId], 10_000);
  expect(redriven!.status).toBe('succeeded');
  await worker.close();
}, 90_000);

it('a wrong password (530) opens the breaker as 546 does: that operation fails authentication_failed, the rest stay queued, and nothing more is sent', async () => {
  const locked = createHarness('breaker-530');
  const wrong = new RegistrarClient({ url: sim.url, login: SIM_DEFAULTS.login, password: 'not-the-password', timeoutMs: 5_000, maxConnections: 4 });
  const worker = locked.engine.startWorker({ registrar: wrong, concurrency: 1 });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await locked.engine.store.submit({ type: 'register', domain: `wrong-password-${i}.com`, period: 1 })).operation.id);
    await waitFor(async () => (await locked.engine.account.state()).breaker !== null, 10_000, 'the breaker');
    expect((await locked.engine.account.state()).breaker).toMatchObject({ code: 530, reason: 'authentication_failed' });
    const before = (await sim.stats()).commands;
    await new Promise((r) => setTimeout(r, 500));
    expect((await sim.stats()).commands).toBe(before);
    const views = await Promise.all(ids.map((id) => locked.engine.store.get(id, false)));
    expect(views.filter((v) => v?.status === 'failed').map((v) => v?.failure?.type)).toEqual(['authentication_failed']);
    expect(views.filter((v) => v && ['queued', 'waiting'].includes(v.status))).toHaveLength(3);
  } finally {
    await worker.close();
    await wrong.close();
    await locked.close();
  }
});
