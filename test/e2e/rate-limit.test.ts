// The account's command rate is shared by every worker of every process:
// three worker processes against `domainflow sim --rate 20` never trigger the
// 422 lock, and still use at least 90% of the allowed rate; they share the
// account's connection cap; and they never run two commands on one domain at once.
import { expect, it } from 'vitest';
import { overlaps } from '../helpers/sim-process.ts';
import { processesPerTest } from '../helpers/test-processes.ts';

const run = processesPerTest();

it('three worker processes at DOMAINFLOW_RATE_LIMIT=20: zero locks, >= 90% of the limit', async () => {
  const sim = await run.sim(['--rate', '20', '--lock-seconds', '2']);
  const h = run.harness('rate');
  const ops = 130; // CheckDomain + AddDomain each: 260 commands
  for (let i = 0; i < 3; i++) run.worker(h.prefix, sim.url, { DOMAINFLOW_RATE_LIMIT: '20', DOMAINFLOW_CONNECTIONS: '4' }, 6);
  const specs = Array.from({ length: ops }, (_, i) => ({ type: 'register' as const, domain: `rate-${i}.com`, period: 1 }));
  const views = await h.engine.store.submitMany(specs);
  const final = await h.waitAllFinal(
    views.map((v) => v.id),
    90_000,
  );
  expect(final.filter((v) => v.status === 'succeeded')).toHaveLength(ops);

  const stats = await sim.stats();
  expect(stats.locks).toBe(0);
  expect(stats.byCode['422'] ?? 0).toBe(0);
  expect(stats.byCode['521'] ?? 0).toBe(0);
  const log = (await sim.log()).filter((e) => e.account === 'demo').sort((a, b) => a.start - b.start);
  expect(log).toHaveLength(2 * ops);
  // The rate while there is work for every slot: the middle 80% of the run (the first commands
  // wait for three worker processes to start, the last ones for the last few operations).
  const steady = log.slice(Math.floor(log.length * 0.1), Math.ceil(log.length * 0.9));
  const seconds = (steady.at(-1)!.start - steady[0]!.start) / 1000;
  const achieved = (steady.length - 1) / seconds;
  const overall = (log.length - 1) / ((log.at(-1)!.start - log[0]!.start) / 1000);
  console.log(`rate test: ${log.length} commands; steady ${achieved.toFixed(2)}/s, overall ${overall.toFixed(2)}/s (limit 20/s)`);
  expect(achieved).toBeGreaterThanOrEqual(18);
  expect(achieved).toBeLessThanOrEqual(20);
  // and over the whole run, ramp-up and tail included
  expect(overall).toBeGreaterThanOrEqual(18);
  // and no one-second window ever held more than 20 commands
  let maxInWindow = 0;
  for (let i = 0, j = 0; i < log.length; i++) {
    while (log[i]!.start - log[j]!.start >= 1000) j++;
    maxInWindow = Math.max(maxInWindow, i - j + 1);
  }
  expect(maxInWindow).toBeLessThanOrEqual(20);
}, 120_000);

it("three worker processes share the account's connection cap: never a 521", async () => {
  // Slow replies keep many commands in flight at once; the registrar allows 3 connections.
  const sim = await run.sim(['--sessions', '3', '--latency-ms', '40', '--rate', '5000']);
  const h = run.harness('conns');
  for (let i = 0; i < 3; i++) run.worker(h.prefix, sim.url, { DOMAINFLOW_RATE_LIMIT: '0', DOMAINFLOW_CONNECTIONS: '3' }, 6);
  const views = await h.engine.store.submitMany(Array.from({ length: 60 }, (_, i) => ({ type: 'register' as const, domain: `conn-${i}.com`, period: 1 })));
  const final = await h.waitAllFinal(
    views.map((v) => v.id),
    60_000,
  );
  expect(final.filter((v) => v.status === 'succeeded')).toHaveLength(60);
  const stats = await sim.stats();
  expect(stats.byCode['521'] ?? 0).toBe(0);
  expect(stats.commands).toBe(120);
}, 90_000);

it('three worker processes never run two operations on one domain at the same time: each waits its turn, in submission order', async () => {
  // Slow replies, and each domain's register, renew and delete submitted back to back, so that
  // the three processes' workers are offered a domain's next operation while its last one runs.
  const sim = await run.sim(['--latency-ms', '30', '--rate', '5000']);
  const h = run.harness('turns');
  for (let i = 0; i < 3; i++) run.worker(h.prefix, sim.url, { DOMAINFLOW_RATE_LIMIT: '0' }, 6);
  const domains = Array.from({ length: 15 }, (_, i) => `turn-${i}.com`);
  const specs = domains.flatMap((domain) => [
    { type: 'register' as const, domain, period: 1 },
    { type: 'renew' as const, domain, period: 1 },
    { type: 'delete' as const, domain },
  ]);
  const views = await h.engine.store.submitMany(specs);
  const final = await h.waitAllFinal(
    views.map((v) => v.id),
    60_000,
  );
  expect(final.filter((v) => v.status !== 'succeeded')).toEqual([]);
  const log = await sim.log();
  expect(log.length).toBeGreaterThanOrEqual(specs.length);
  expect(overlaps(log)).toEqual([]);
  // each domain's effects once, in the order the operations were submitted
  const effects = await sim.effects();
  expect(domains.filter((d) => JSON.stringify(effects[d]) !== JSON.stringify({ registered: 1, renewed: 1, transferred: 0, deleted: 1 }))).toEqual([]);
  for (const d of domains) {
    const changes = log.filter((e) => e.domain === d && ['AddDomain', 'RenewDomain', 'DeleteDomain'].includes(String(e.command))).map((e) => e.command);
    expect(changes, d).toEqual(['AddDomain', 'RenewDomain', 'DeleteDomain']);
  }
}, 90_000);
