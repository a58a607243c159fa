// 200 mixed operations against `domainflow sim --temp-fail-rate 0.2 --drop-rate 0.05`:
// every operation ends as it should and every intended effect happens exactly once,
// with workers in this process, and with worker processes killed (SIGKILL) mid-run;
// and with a quarter of them cancelled as they go: a cancelled one had no effect.
import { expect, it } from 'vitest';
import type { Harness } from '../helpers/engine-harness.ts';
import { checkOutcomes, mixedScenario, prepareExisting, type Scenario } from '../helpers/mixed-scenario.ts';
import { processesPerTest } from '../helpers/test-processes.ts';

const run = processesPerTest();

/** The scenario, the sim under faults, and a harness, with the names that must exist registered. */
async function setUp(tag: string, latencyMs: number) {
  const scenario = mixedScenario(tag);
  const sim = await run.sim(['--temp-fail-rate', '0.2', '--drop-rate', '0.05', '--rate', '5000', '--transfer-seconds', '1', '--seed', '42', '--latency-ms', String(latencyMs), '--taken', scenario.taken.join(',')]);
  const h = run.harness(tag);
  // with the faults on: the names to renew, transfer away or delete are registered first, once each
  await prepareExisting(scenario, h.client(sim.url));
  return { scenario, sim, h };
}

async function submitAll(harness: Harness, scenario: Scenario): Promise<string[]> {
  const ids: string[] = [];
  for (const op of scenario.ops) ids.push((await harness.engine.store.submit(op.spec)).operation.id);
  return ids;
}

it('200 mixed operations end as they should, each effect exactly once', async () => {
  const { scenario, sim, h } = await setUp('mixed', 0);
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 16 });
  const ids = await submitAll(h, scenario);
  const views = await h.waitAllFinal(ids, 120_000);
  await worker.close();
  expect(await checkOutcomes(scenario, views, sim)).toEqual([]);
  const stats = await sim.stats();
  // the faults really happened: retries and reconciliations were needed
  expect(stats.dropped as number).toBeGreaterThan(5);
  expect((stats.byCode['420'] ?? 0) + (stats.byCode['421'] ?? 0) + (stats.byCode['423'] ?? 0)).toBeGreaterThan(30);
}, 150_000);

it('the same with worker processes killed by SIGKILL twice and restarted', async () => {
  const { scenario, sim, h } = await setUp('killed', 15);
  const env = { DOMAINFLOW_RATE_LIMIT: '0', DOMAINFLOW_STALL_MS: '1500' };
  const start = () => run.worker(h.prefix, sim.url, env, 8);
  const workers = [start(), start()];
  const ids = await submitAll(h, scenario);
  const finished = async () => (await Promise.all(ids.map((id) => h.engine.store.get(id, false)))).filter((v) => v && ['succeeded', 'failed'].includes(v.status)).length;
  let kills = 0;
  for (const threshold of [40, 110]) {
    const deadline = Date.now() + 60_000;
    while ((await finished()) < threshold && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // killed in the middle of the run: past the threshold, with operations still to finish
    const done = await finished();
    expect(done).toBeGreaterThanOrEqual(threshold);
    expect(done).toBeLessThan(ids.length);
    const victim = workers.shift()!;
    victim.kill('SIGKILL');
    kills++;
    workers.push(start());
  }
  expect(kills).toBe(2);
  const views = await h.waitAllFinal(ids, 150_000);
  expect(await checkOutcomes(scenario, views, sim)).toEqual([]);
}, 240_000);

it('with a quarter of them cancelled as they go: a cancelled one had no effect, every other ends as it should', async () => {
  const { scenario, sim, h } = await setUp('cancels', 10);
  const worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 16 });
  // Each chosen operation is cancelled a few submissions after its own: queued, retrying, reconciling an
  // unknown outcome (the sim drops replies), polling a transfer, or ended already (409, left alone).
  const ids: string[] = [];
  const chosen = new Set<string>();
  const cancel = async (id: string) => {
    chosen.add(id);
    await h.engine.store.cancel(id).catch((err: Error) => {
      if (!/already ended/.test(err.message)) throw err;
    });
  };
  for (const [i, op] of scenario.ops.entries()) {
    ids.push((await h.engine.store.submit(op.spec)).operation.id);
    if (i >= 6 && i % 4 === 2) await cancel(ids[i - 6]!);
  }
  const views = await h.waitAllFinal(ids, 120_000);
  await worker.close();

  const ended = scenario.ops.map((op, i) => ({ op, view: views[i]! }));
  const cancelled = ended.filter(({ view }) => view.status === 'cancelled');
  expect(cancelled.length).toBeGreaterThan(5);
  expect(cancelled.filter(({ view }) => !chosen.has(view.id))).toEqual([]);
  const effects = await sim.effects();
  const withEffect = cancelled.filter(({ op }) => {
    const e = effects[op.spec.domain] ?? { registered: 0, renewed: 0, transferred: 0, deleted: 0 };
    return e.registered - (scenario.existing.includes(op.spec.domain) ? 1 : 0) + e.renewed + e.transferred + e.deleted !== 0;
  });
  expect(withEffect.map(({ op }) => op.spec.domain)).toEqual([]);
  // Nor is a cancelled transfer still pending there, to complete later.
  const stillPending: string[] = [];
  for (const { op } of cancelled.filter(({ op }) => op.spec.type === 'transfer')) {
    const record = (await (await fetch(`${sim.admin}/domains/${op.spec.domain}`)).json()) as { transfers: { status: string }[] };
    if (record.transfers.some((t) => t.status === 'pending')) stillPending.push(op.spec.domain);
  }
  expect(stillPending).toEqual([]);
  // Every other operation, the chosen ones that ended before their cancel took or despite it included, as planned.
  const rest = ended.filter(({ view }) => view.status !== 'cancelled');
  const others: Scenario = { ...scenario, ops: rest.map(({ op }) => op) };
  expect(await checkOutcomes(others, rest.map(({ view }) => view), sim)).toEqual([]);
}, 150_000);
