// What reading operations costs as an account grows: a list page (the dashboard
// polls one every second, `domainflow list`, GET /v1/operations) and a batch's
// progress (`domainflow bulk --wait` every half second, the dashboard's batches),
// at 1,000 and at 20,000 queued operations, against a full read of every job (how
// each of them was read before the operations index: the baseline, same run).
//  - listPageMs: a page of 50 from the middle of 20,000 operations (median of 7);
//  - listFullReadMs: every job of those 20,000, sorted (the baseline);
//  - listPageToFullReadRatio: the first over the second;
//  - listPage20kTo1kRatio: a page at 20,000 operations over one at 1,000 (1: a page
//    costs the same whatever the account's size);
//  - batchProgressMs: the counts by status of a batch of 20,000;
//  - redrive2000Ms: `retry --reason` over 2,000 failed operations (retryMany), and
//    redriveToSequentialRatio: that over the same redrives one after another (the
//    baseline, same run: how retryMany went before).
import { randomBytes } from 'node:crypto';
import type { JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { createSecretBox, defaultPolicy, Engine, purgePrefix, SIM_DEFAULTS } from './built.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ALL_STATES: JobType[] = ['waiting', 'paused', 'prioritized', 'active', 'delayed', 'completed', 'failed'];

async function medianMs(times: number, fn: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await fn();
    ms.push(performance.now() - started);
  }
  return ms.sort((a, b) => a - b)[Math.floor(times / 2)]!;
}

async function account(ops: number): Promise<{ page: number; fullRead: number; progress: number }> {
  const prefix = `dfbench-list-${randomBytes(3).toString('hex')}`;
  const engine = new Engine({ redisUrl: REDIS_URL, prefix, account: SIM_DEFAULTS.login, secrets: createSecretBox(randomBytes(32)), policy: defaultPolicy(), rateLimit: 0 });
  try {
    const { batch } = await engine.batches.submit(Array.from({ length: ops }, (_, i) => ({ type: 'register' as const, domain: `list-${i}.com`, period: 1 })));
    await engine.store.list({ limit: 1 });
    const page = await medianMs(7, () => engine.store.list({ offset: Math.floor(ops / 2), limit: 50 }));
    const fullRead = await medianMs(3, async () => {
      const jobs = [];
      for (const state of ALL_STATES) jobs.push(...(await engine.queue.getJobs([state], 0, -1, true)));
      return jobs.sort((a, b) => a.timestamp - b.timestamp).slice(ops / 2, ops / 2 + 50);
    });
    const progress = await medianMs(7, () => engine.batches.progress(batch));
    return { page, fullRead, progress };
  } finally {
    await engine.close();
    const redis = new Redis(REDIS_URL);
    await purgePrefix(redis, prefix);
    await redis.quit();
  }
}

/** 2,000 failed operations redriven by retryMany, and 2,000 more one at a time. */
async function redrive(ops: number): Promise<{ many: number; sequential: number }> {
  const prefix = `dfbench-redrive-${randomBytes(3).toString('hex')}`;
  const engine = new Engine({ redisUrl: REDIS_URL, prefix, account: SIM_DEFAULTS.login, secrets: createSecretBox(randomBytes(32)), policy: defaultPolicy(), rateLimit: 0 });
  const failure = { code: 211, description: 'Domain name not available', step: 'checkDomain' };
  const fail = async (type: string) => {
    const views = [];
    for (let i = 0; i < ops; i += 500) {
      const items = Array.from({ length: Math.min(500, ops - i) }, (_, j) => ({ spec: { type: 'register' as const, domain: `${type}-${i + j}.com`, period: 1 }, failure: { ...failure, type } }));
      views.push(...(await engine.store.submitFailed(items)));
    }
    return views;
  };
  try {
    await fail('domain_not_available');
    const one = await fail('domain_taken_by_bench');
    let started = performance.now();
    const redriven = await engine.store.retryMany({ reason: 'domain_not_available' });
    const many = performance.now() - started;
    if (redriven.length !== ops) throw new Error(`retryMany redrove ${redriven.length} of ${ops}`);
    started = performance.now();
    for (const view of one) await engine.store.retry(view.id);
    return { many, sequential: performance.now() - started };
  } finally {
    await engine.close();
    const redis = new Redis(REDIS_URL);
    await purgePrefix(redis, prefix);
    await redis.quit();
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export async function benchListing(): Promise<Record<string, number>> {
  const small = await account(1_000);
  const large = await account(20_000);
  const redrives = await redrive(2_000);
  return {
    listPageMs: round2(large.page),
    listFullReadMs: Math.round(large.fullRead),
    listPageToFullReadRatio: Math.round((large.page / large.fullRead) * 10_000) / 10_000,
    listPage20kTo1kRatio: round2(large.page / small.page),
    batchProgressMs: round2(large.progress),
    redrive2000Ms: Math.round(redrives.many),
    redriveToSequentialRatio: round2(redrives.many / redrives.sequential),
  };
}
