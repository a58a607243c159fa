// `npm run soak`: the guarantees under a long, hostile run, outside the default
// test run (it takes minutes). Mixed operations (200 times --scale) against the
// simulated registrar with faults on (20% temporary failures, 5% dropped
// replies), worker processes killed with SIGKILL every few seconds and started
// again, and Redis itself killed and restarted on its AOF (--redis-restarts).
// At the end: every operation ended as planned, every intended effect happened
// exactly once, no two commands on one domain overlapped in time (no operation
// ran twice at once), a name's operations took effect in the order they were
// submitted in, and the account was never locked (422). Prints one JSON
// line of figures; exit 0 when all held, 1 when any did not.
//
//   npm run soak -- [--scale 5] [--workers 3] [--kill-every-ms 4000] [--redis-restarts 2]
//                   [--rate 200] [--timeout-min 20]
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../../src/engine/engine.ts';
import type { OperationView } from '../../src/engine/operation.ts';
import { createSecretBox } from '../../src/engine/secret-box.ts';
import { RegistrarClient } from '../../src/registrar/client.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { fastPolicy, spawnWorker, TEST_SECRET_KEY } from '../helpers/engine-harness.ts';
import { chainsOf, checkOutcomes, mixedScenario, prepareExisting, type Scenario } from '../helpers/mixed-scenario.ts';
import { freePort, startRedisServer } from '../helpers/redis-process.ts';
import { overlaps, startSimProcess, type SimLogEntry, type SimProcess } from '../helpers/sim-process.ts';

const { values: flags } = parseArgs({
  options: {
    scale: { type: 'string', default: '5' },
    workers: { type: 'string', default: '3' },
    'kill-every-ms': { type: 'string', default: '4000' },
    'redis-restarts': { type: 'string', default: '2' },
    rate: { type: 'string', default: '200' },
    'timeout-min': { type: 'string', default: '20' },
  },
});

function whole(name: keyof typeof flags, min: number): number {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(flags[name])}`);
  return n;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const EFFECT_OF: Record<string, string> = { AddDomain: 'registered', RenewDomain: 'renewed', TransferDomain: 'transferred', DeleteDomain: 'deleted' };

/** Names whose operations took effect in another order than they were submitted in (the sim's log). */
function chainOrder(scenario: Scenario, log: readonly SimLogEntry[]): string[] {
  const chains = chainsOf(scenario);
  const seen = new Map<string, string[]>();
  for (const e of [...log].sort((a, b) => a.start - b.start)) {
    const effect = EFFECT_OF[String(e.command)];
    if (effect && e.domain && chains.has(e.domain) && e.code < 300) seen.set(e.domain, [...(seen.get(e.domain) ?? []), effect]);
  }
  return [...chains].filter(([domain, planned]) => JSON.stringify(seen.get(domain) ?? []) !== JSON.stringify(planned)).map(([domain, planned]) => `${domain}: effects in the order ${JSON.stringify(seen.get(domain) ?? [])}, planned ${JSON.stringify(planned)}`);
}
const say = (line: string) => process.stderr.write(`soak: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const scale = whole('scale', 1);
  const workerCount = whole('workers', 1);
  const killEveryMs = whole('kill-every-ms', 0);
  const redisRestarts = whole('redis-restarts', 0);
  const rate = whole('rate', 2);
  const timeoutMs = whole('timeout-min', 1) * 60_000;
  const started = Date.now();

  const dir = mkdtempSync(join(tmpdir(), 'df-soak-'));
  const port = await freePort();
  const redisUrl = `redis://127.0.0.1:${port}`;
  let redis: ChildProcess = await startRedisServer(port, dir);
  // and 10 names a scale registered, renewed and deleted by three operations each, in that order
  const scenario = mixedScenario('soak', scale, 10 * scale);
  let sim: SimProcess | undefined;
  let engine: Engine | undefined;
  const workers: ChildProcess[] = [];
  try {
    sim = await startSimProcess(['--rate', String(rate), '--lock-seconds', '30', '--transfer-seconds', '1', '--seed', '7', '--latency-ms', '5', '--taken', scenario.taken.join(',')]);
    const direct = new RegistrarClient({ url: sim.url, login: SIM_DEFAULTS.login, password: SIM_DEFAULTS.password, maxConnections: 4 });
    // Prepared without a limiter of ours: paced by hand under the sim's rate.
    for (let i = 0; i < scenario.existing.length; i += Math.max(1, Math.floor(rate / 2))) {
      await prepareExisting({ ...scenario, existing: scenario.existing.slice(i, i + Math.max(1, Math.floor(rate / 2))) }, direct);
      await sleep(1_000);
    }
    await direct.close();
    await sim.post('/faults', { tempFailRate: 0.2, dropRate: 0.05 });
    say(`${scenario.ops.length} operations, ${workerCount} workers, a kill every ${killEveryMs} ms, ${redisRestarts} Redis restart(s), sim rate ${rate}/s`);

    const prefix = 'soak';
    engine = new Engine({
      redisUrl,
      prefix,
      account: SIM_DEFAULTS.login,
      secrets: createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex')),
      policy: fastPolicy(),
      rateLimit: 0,
    });
    const views = await engine.store.submitMany(scenario.ops.map((op) => op.spec));
    const ids = views.map((v) => v.id);
    // Below the sim's rate by a margin: the limit is the account's, across every worker.
    const env = { REDIS_URL: redisUrl, DOMAINFLOW_RATE_LIMIT: String(Math.max(1, Math.floor(rate * 0.8))), DOMAINFLOW_STALL_MS: '1500' };
    const spawn = () => workers.push(spawnWorker(prefix, sim!.url, env, 8));
    for (let i = 0; i < workerCount; i++) spawn();

    let kills = 0;
    let restarts = 0;
    let lastKill = Date.now();
    let final: (OperationView | undefined)[] = [];
    for (;;) {
      final = await Promise.all(ids.map((id) => engine!.store.get(id, false).catch(() => undefined)));
      const done = final.filter((v) => v && FINAL.has(v.status)).length;
      if (done === ids.length) break;
      if (Date.now() - started > timeoutMs) {
        say(`timed out with ${ids.length - done} operations not ended`);
        break;
      }
      if (killEveryMs > 0 && Date.now() - lastKill >= killEveryMs) {
        const victim = workers.splice(Math.floor(Math.random() * workers.length), 1)[0]!;
        victim.kill('SIGKILL');
        spawn();
        kills++;
        lastKill = Date.now();
      }
      // Redis dies at evenly spaced points of the run's progress, and comes back on its AOF.
      if (restarts < redisRestarts && done >= ((restarts + 1) * ids.length) / (redisRestarts + 1)) {
        redis.kill('SIGKILL');
        await sleep(1_000);
        redis = await startRedisServer(port, dir);
        restarts++;
        say(`Redis killed and restarted (${restarts}) at ${done} of ${ids.length} ended`);
      }
      await sleep(250);
    }

    for (const w of workers.splice(0)) w.kill('SIGTERM');
    const ended = final.filter((v): v is OperationView => v !== undefined && FINAL.has(v.status));
    const wrong = ended.length === ids.length ? await checkOutcomes(scenario, ended, sim) : [`${ids.length - ended.length} operations did not end`];
    // What the first few operations that did not end as planned did, and what the sim saw for their names.
    const astray = scenario.ops.flatMap((op, i) => (final[i] && (final[i]!.status !== op.status || (op.failureType !== undefined && final[i]!.failure?.type !== op.failureType)) ? [final[i]!] : []));
    for (const view of astray.slice(0, 3)) {
      const history = await engine.store.history(view.id).catch(() => []);
      say(`${view.type} ${view.domain} (${view.id}) history: ${history.map((e) => `${e.command}${e.params?.ACTION ? `/${String(e.params.ACTION)}` : ''} ${e.code} attempt ${e.attempt} at ${e.at}`).join('; ')}`);
      const seen = await sim.log(`?domain=${encodeURIComponent(view.domain)}`);
      say(`${view.domain} at the sim: ${seen.map((e) => `#${e.seq} ${String(e.command)} ${e.code}${e.dropped ? ' (reply dropped)' : ''} at ${new Date(e.start).toISOString()}`).join('; ')}`);
    }
    const log = await sim.log('?account=demo');
    const overlapping = overlaps(log);
    const outOfOrder = chainOrder(scenario, log);
    const stats = await sim.stats();
    const result = {
      operations: ids.length,
      succeeded: ended.filter((v) => v.status === 'succeeded').length,
      failed: ended.filter((v) => v.status === 'failed').length,
      notAsPlanned: wrong.length,
      overlappingCommands: overlapping.length,
      chainsOutOfOrder: outOfOrder.length,
      locks: stats.locks,
      commands: stats.commands,
      droppedReplies: stats.dropped,
      workerKills: kills,
      redisRestarts: restarts,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    for (const line of [...wrong, ...overlapping, ...outOfOrder].slice(0, 20)) say(line);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return wrong.length === 0 && overlapping.length === 0 && outOfOrder.length === 0 && stats.locks === 0 ? 0 : 1;
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await engine?.close().catch(() => undefined);
    await sim?.stop();
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
