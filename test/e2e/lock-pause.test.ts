// A 422 from the registrar pauses the whole account, in every worker process.
// Two `domainflow worker` processes that do not pace themselves
// (DOMAINFLOW_RATE_LIMIT=0) register 40 domains against `domainflow sim --rate 20
// --lock-seconds 2`, which answers 422 to the 21st command within a second, and to
// every command for 2 s after. Each time, the sim's command log shows the few
// commands already on their way, then nothing from the account, from either
// process, for DOMAINFLOW_LOCK_PAUSE_MS (3 s); then both workers go on, and every
// domain ends registered exactly once.
//
// Without a rate of its own the engine locks the account again after each pause
// (every burst passes 20 a second), and a lock needs 20 admitted commands, so the
// number of locks follows from the workload whatever the engine does. What shows
// that a locked account is not hammered is the number of 422s a lock.
import { expect, it } from 'vitest';
import { waitFor } from '../helpers/engine-harness.ts';
import type { SimLogEntry } from '../helpers/sim-process.ts';
import { processesPerTest } from '../helpers/test-processes.ts';

const RATE = 20;
const LOCK_MS = 2_000;
const PAUSE_MS = 3_000;
const CONCURRENCY = 4; // a process; two processes
// The commands the workers had committed to when the 422 came: sent already, or runs past the
// account's gate before the worker that got the 422 wrote the pause in Redis (an event-loop turn
// and a round trip after the reply), or before the other process heard of it on the gate channel.
// They reach the sim after the 422's reply by those few milliseconds (0 to 40 ms measured on a
// busy machine) plus any stall of a process meanwhile (a new worker's first runs, with fewer connections than
// operations: 110 ms seen once).
// 400 ms leaves room for such a stall on a loaded CI machine and still asks for silence over
// 87% of the pause.
const MARGIN_MS = 400;
// The pause starts after the reply reached the worker; the sim and the workers read the same
// wall clock in two ways (performance.timeOrigin + now, Date.now), a millisecond apart at most.
const CLOCKS_MS = 20;

const run = processesPerTest();

it('a 422 pauses both worker processes for DOMAINFLOW_LOCK_PAUSE_MS; then every operation succeeds once', async () => {
  const sim = await run.sim(['--rate', String(RATE), '--lock-seconds', String(LOCK_MS / 1000)]);
  const h = run.harness('lockpause');
  // 8 connections, one for each operation in flight: no command waits for a connection (4 by default).
  const env = { DOMAINFLOW_RATE_LIMIT: '0', DOMAINFLOW_LOCK_PAUSE_MS: String(PAUSE_MS), DOMAINFLOW_CONNECTIONS: '8', LOG_LEVEL: 'debug', LOG_FORMAT: 'json' };
  // Each process's replies from its debug log, to tell which process sent a command the sim logged.
  const replies: { key: string; time: number }[][] = [[], []];
  const workers = replies.map((mine) => {
    const worker = run.worker(h.prefix, sim.url, env, CONCURRENCY);
    let partial = '';
    worker.stderr!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines.filter((l) => l.startsWith('{'))) {
        const j = JSON.parse(line) as { msg?: string; time: number; code?: number; command?: { COMMAND?: string; DOMAIN?: string } };
        if (j.msg === 'registrar reply') mine.push({ key: `${j.command?.COMMAND} ${j.command?.DOMAIN} ${j.code}`, time: j.time });
      }
    });
    return worker;
  });
  await waitFor(() => workers.every((w) => w.stderrTail().includes('worker started')), 15_000, 'both workers to start');

  const started = Date.now();
  const domains = Array.from({ length: 40 }, (_, i) => `lockpause-${i}.com`);
  const views = await h.engine.store.submitMany(domains.map((domain) => ({ type: 'register' as const, domain, period: 1 })));
  const final = await h.waitAllFinal(
    views.map((v) => v.id),
    60_000,
  );
  const ms = Date.now() - started;
  expect(final.map((v) => v.status)).toEqual(domains.map(() => 'succeeded'));
  const effects = await sim.effects();
  expect(domains.map((d) => effects[d]?.registered)).toEqual(domains.map(() => 1));

  const log = (await sim.log()).filter((e) => e.account === 'demo').sort((a, b) => a.start - b.start);
  // The commands that locked the account: a 422 when it was not locked already.
  const locks: SimLogEntry[] = [];
  for (const e of log) if (e.code === 422 && (locks.length === 0 || e.start >= locks.at(-1)!.start + LOCK_MS)) locks.push(e);
  const stats = await sim.stats();
  expect(locks.length).toBeGreaterThanOrEqual(1);
  expect(stats.locks).toBe(locks.length);
  const summary: string[] = [];
  for (const lock of locks) {
    // Commands after the 422's reply, in ms from it: the late ones, then none until the pause is over.
    const after = log.filter((e) => e.start >= lock.end).map((e) => e.start - lock.end);
    const late = after.filter((t) => t < MARGIN_MS);
    expect(after.filter((t) => t >= MARGIN_MS && t < PAUSE_MS - CLOCKS_MS).map(Math.round), `commands in the pause after #${lock.seq}`).toEqual([]);
    // The commands refused go again, and promptly.
    const resumed = after.find((t) => t >= MARGIN_MS);
    expect(resumed, `the first command after the pause of #${lock.seq}`).toBeLessThan(PAUSE_MS + 1_500);
    // 422s while locked: each of the 8 operations in flight had at most one command on its way, and
    // a slot freed meanwhile may have started one more operation before its process heard of the
    // pause. Without the pause every queued operation would get its own 422.
    const refused = log.filter((e) => e.code === 422 && e.start >= lock.start && e.start < lock.start + LOCK_MS).length;
    expect(refused, `422s after #${lock.seq}`).toBeLessThanOrEqual(2 * 2 * CONCURRENCY);
    summary.push(`#${lock.seq}: ${refused} 422s, late ${late.length} up to ${Math.round(late.at(-1) ?? 0)} ms, resumed at ${Math.round(resumed!)} ms`);
  }

  // Both processes were sending in the second before the first lock, and both sent again after its pause.
  const sender = (e: SimLogEntry) =>
    replies.findIndex((mine) => mine.some((r) => r.key === `${e.command} ${e.domain} ${e.code}` && r.time >= e.start - CLOCKS_MS && r.time < e.start + 1_000));
  const first = locks[0]!;
  const before = new Set(log.filter((e) => e.start >= first.start - 1_000 && e.start < first.start).map(sender));
  const later = new Set(log.filter((e) => e.start >= first.end + PAUSE_MS - CLOCKS_MS).map(sender));
  expect([...before].sort()).toEqual([0, 1]);
  expect([...later].sort()).toEqual([0, 1]);
  console.log(`lock pause: 40 registrations in ${ms} ms, ${locks.length} locks, ${stats.byCode['422']} 422s; ${summary.join('; ')}`);
}, 90_000);
