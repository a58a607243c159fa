// The engine against plain BullMQ, in one run, on the same Redis, both against an
// in-process registrar that answers at once (so that the engine, not the
// registrar, is what is measured):
//  - engineOpsPerSec: registrations (CheckDomain + AddDomain) through the engine:
//    machine restored per run, account gate per command, AddDomain on the first run's own
//    checkpoint (BullMQ's count of the job's runs: see Run.firstRunCheckpoint), domain
//    ownership, history;
//  - bullmqOpsPerSec: BullMQ jobs making the same two registrar calls, no machine;
//  - engineToBullmqRatio: the median of six rounds' ratios, with the lowest and highest as
//    engineToBullmqRatioMin / Max; the two ops-per-second figures are medians too. Each round
//    runs both at 32, 128 and 256 jobs in flight (back to back at each level); each system is
//    taken at the level of its highest median (engineBestConcurrency / bullmqBestConcurrency):
//    their throughputs. engineToBullmqRatioAtN is the median ratio at N for both;
//  - redisBytesPerQueuedOp: Redis memory per submitted, not yet started operation
//    (and the same for a plain BullMQ delayed job with small data, for reference);
//  - commandsPerRegister: registrar commands per registered domain.
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type * as OutcomeModule from '../src/registrar/outcome.ts';
import type { Registrar } from '../src/registrar/client.ts';
import type { Outcome } from '../src/registrar/outcome.ts';
import type * as Request from '../src/registrar/request.ts';
import type { CommandInput } from '../src/registrar/request.ts';
import { built, createSecretBox, defaultPolicy, Engine, purgePrefix, SIM_DEFAULTS } from './built.ts';

const { replyOutcome } = await built<typeof OutcomeModule>('src/registrar/outcome');
const { flattenCommand } = await built<typeof Request>('src/registrar/request');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Answers every command at once: CheckDomain 210, AddDomain 200 with an expiration date. */
class InstantRegistrar implements Registrar {
  commands = 0;
  async call(input: CommandInput): Promise<Outcome> {
    this.commands++;
    const command = flattenCommand(input).COMMAND;
    if (command === 'CheckDomain') return replyOutcome({ code: 210, description: 'Domain name available', properties: {} }, 0);
    if (command === 'AddDomain') {
      return replyOutcome(
        { code: 200, description: 'Command completed successfully', properties: { REGISTRATIONEXPIRATIONDATE: ['2027-11-30 00:00:00'], STATUS: ['ACTIVE'] } },
        0,
      );
    }
    return replyOutcome({ code: 500, description: 'Invalid command name', properties: {} }, 0);
  }
  async close(): Promise<void> {}
}

function newEngine(prefix: string): Engine {
  return new Engine({
    redisUrl: REDIS_URL,
    prefix,
    account: SIM_DEFAULTS.login,
    secrets: createSecretBox(randomBytes(32)),
    policy: defaultPolicy(),
    rateLimit: 0,
    defaults: { contacts: { ...SIM_DEFAULTS.contacts }, nameservers: SIM_DEFAULTS.nameservers },
  });
}

const ADD_DOMAIN_EXTRAS = {
  OWNERCONTACT0: SIM_DEFAULTS.contacts.owner,
  ADMINCONTACT0: SIM_DEFAULTS.contacts.admin,
  TECHCONTACT0: SIM_DEFAULTS.contacts.tech,
  BILLINGCONTACT0: SIM_DEFAULTS.contacts.billing,
  NAMESERVER: SIM_DEFAULTS.nameservers,
};

const names = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}-${i}.com`);

export async function engineRun(ops: number, concurrency: number): Promise<{ opsPerSec: number; commands: number }> {
  const prefix = `dfbench-engine-${randomBytes(3).toString('hex')}`;
  const engine = newEngine(prefix);
  const registrar = new InstantRegistrar();
  try {
    const views = await engine.store.submitMany(names('eng', ops).map((domain) => ({ type: 'register' as const, domain, period: 1 })));
    const done = new Promise<void>((resolve) => {
      let finished = 0;
      const worker = engine.startWorker({ registrar, concurrency, onFinal: () => ++finished === views.length && resolve() });
      void worker;
    });
    const started = performance.now();
    await done;
    const seconds = (performance.now() - started) / 1000;
    // wait until BullMQ has recorded the last completions too
    for (let i = 0; i < 100 && (await engine.queue.getCompletedCount()) < ops; i++) await new Promise((r) => setTimeout(r, 20));
    return { opsPerSec: ops / seconds, commands: registrar.commands };
  } finally {
    await engine.close();
    const redis = new Redis(REDIS_URL);
    await purgePrefix(redis, prefix);
    await redis.quit();
  }
}

export async function bullmqRun(ops: number, concurrency: number): Promise<number> {
  const prefix = `{dfbench-bull-${randomBytes(3).toString('hex')}}`;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('plain', { connection, prefix, streams: { events: { maxLen: 1000 } } });
  const workerConnection = connection.duplicate();
  const registrar = new InstantRegistrar();
  try {
    await queue.addBulk(names('bull', ops).map((domain) => ({ name: 'register', data: { domain, period: 1 } })));
    let finished = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const started = performance.now();
    const worker = new Worker(
      'plain',
      async (job) => {
        const check = await registrar.call({ COMMAND: 'CheckDomain', DOMAIN: job.data.domain });
        if (check.code !== 210) throw new Error('not available');
        // the same AddDomain the engine's machine sends: contacts and name servers included
        const add = await registrar.call({ COMMAND: 'AddDomain', DOMAIN: job.data.domain, PERIOD: job.data.period, ...ADD_DOMAIN_EXTRAS });
        return { code: add.code };
      },
      { connection: workerConnection, prefix, concurrency },
    );
    worker.on('completed', () => ++finished === ops && resolveDone());
    await done;
    const seconds = (performance.now() - started) / 1000;
    await worker.close();
    return ops / seconds;
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await workerConnection.quit();
    await connection.quit();
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

/** Memory per queued operation: submitted, no worker yet. */
async function memoryRun(ops: number): Promise<{ engine: number; bullmqDelayed: number }> {
  const redis = new Redis(REDIS_URL);
  const prefix = `dfbench-mem-${randomBytes(3).toString('hex')}`;
  const engine = newEngine(prefix);
  const bullPrefix = `{dfbench-memb-${randomBytes(3).toString('hex')}}`;
  const queueConnection = redis.duplicate();
  const queue = new Queue('plain', { connection: queueConnection, prefix: bullPrefix, streams: { events: { maxLen: 1000 } } });
  try {
    await engine.queue.waitUntilReady();
    await queue.waitUntilReady();
    const before = await usedMemory(redis);
    for (let i = 0; i < ops; i += 500) {
      await engine.store.submitMany(names(`mem${i}`, Math.min(500, ops - i)).map((domain) => ({ type: 'register' as const, domain, period: 1 })));
    }
    const afterEngine = await usedMemory(redis);
    for (let i = 0; i < ops; i += 500) {
      await queue.addBulk(names(`plain${i}`, Math.min(500, ops - i)).map((domain) => ({ name: 'register', data: { domain, period: 1 }, opts: { delay: 3_600_000 } })));
    }
    const afterBull = await usedMemory(redis);
    return { engine: (afterEngine - before) / ops, bullmqDelayed: (afterBull - afterEngine) / ops };
  } finally {
    await engine.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await queueConnection.quit();
    await purgePrefix(redis, prefix);
    await redis.quit();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The numbers of jobs in flight each system is measured at (BENCH_ENGINE_CONCURRENCY="32,128,256"). */
function concurrencies(): number[] {
  const raw = process.env.BENCH_ENGINE_CONCURRENCY ?? '32,128,256';
  const levels = [...new Set(raw.split(',').map(Number))];
  if (levels.length === 0 || levels.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`BENCH_ENGINE_CONCURRENCY must be whole numbers >= 1, separated by commas, not ${raw}`);
  }
  return levels;
}

async function enginesFirst(ops: number, c: number): Promise<[{ opsPerSec: number; commands: number }, number]> {
  const e = await engineRun(ops, c);
  return [e, await bullmqRun(ops, c)];
}

async function bullmqFirst(ops: number, c: number): Promise<[{ opsPerSec: number; commands: number }, number]> {
  const b = await bullmqRun(ops, c);
  return [await engineRun(ops, c), b];
}

export async function benchEngine(): Promise<Record<string, number>> {
  // Long enough runs that timer and JIT noise do not decide the ratio (a 3,000-job BullMQ run
  // lasts ~0.2 s and varied by 2x from run to run).
  const ops = Number(process.env.BENCH_ENGINE_OPS ?? 10_000);
  // An even number: each system goes first in half of them.
  const rounds = Number(process.env.BENCH_ENGINE_ROUNDS ?? 6);
  // Operations a second is a system's throughput: what it does with as many jobs in flight as
  // suits it. The engine has a round trip more per job than plain BullMQ (the checkpoint), so it
  // needs more jobs in flight to keep the process and Redis busy: at 32 it is partly bound by
  // latency, while BullMQ is at its best from 32 to 128 and loses a little beyond. Each system
  // runs at every level in each round and is compared at its best level; the ratios at equal
  // concurrency are reported too (engineToBullmqRatioAtN).
  const levels = concurrencies();
  // Warm both paths up with a full-size run each at every level (JIT, Lua script loading, Redis's
  // memory): a first round measured up to 25% slower, the engine's more than BullMQ's.
  for (const c of levels) {
    await engineRun(ops, c);
    await bullmqRun(ops, c);
  }
  // Then rounds of back-to-back runs. This machine's speed drifts (the same run differs by up to
  // 2x from one minute to the next): each round runs both at every level, back to back.
  const engineAt = new Map<number, number[]>(levels.map((c) => [c, []]));
  const bullAt = new Map<number, number[]>(levels.map((c) => [c, []]));
  let commands = 0;
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, and the order of the levels, so that neither system nor level
    // always runs on the other's leftovers or at the same point of a round.
    for (const c of round % 2 === 0 ? levels : [...levels].reverse()) {
      const [e, b] = round % 2 === 0 ? await enginesFirst(ops, c) : await bullmqFirst(ops, c);
      commands = e.commands;
      engineAt.get(c)!.push(e.opsPerSec);
      bullAt.get(c)!.push(b);
    }
  }
  // Each system's best level: the one with the highest median over the rounds (not the round's
  // best run, which would favour whichever system's runs are noisier). The ratio is the median of
  // the rounds' ratios at those levels, each round's two runs taken within the same few seconds.
  const best = (at: Map<number, number[]>) => levels.reduce((a, c) => (median(at.get(c)!) > median(at.get(a)!) ? c : a));
  const [engineLevel, bullLevel] = [best(engineAt), best(bullAt)];
  const ratios = engineAt.get(engineLevel)!.map((e, r) => e / bullAt.get(bullLevel)![r]!);
  const ratioAt = (c: number) => round2(median(engineAt.get(c)!.map((e, r) => e / bullAt.get(c)![r]!)));
  const memory = await memoryRun(5000);
  return {
    engineOpsPerSec: Math.round(median(engineAt.get(engineLevel)!)),
    bullmqOpsPerSec: Math.round(median(bullAt.get(bullLevel)!)),
    engineToBullmqRatio: round2(median(ratios)),
    engineToBullmqRatioMin: round2(Math.min(...ratios)),
    engineToBullmqRatioMax: round2(Math.max(...ratios)),
    engineBestConcurrency: engineLevel,
    bullmqBestConcurrency: bullLevel,
    ...Object.fromEntries(levels.map((c) => [`engineToBullmqRatioAt${c}`, ratioAt(c)])),
    redisBytesPerQueuedOp: Math.round(memory.engine),
    bullmqDelayedJobBytes: Math.round(memory.bullmqDelayed),
    commandsPerRegister: Math.round((commands / ops) * 100) / 100,
  };
}
