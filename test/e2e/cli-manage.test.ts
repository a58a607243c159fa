// The CLI as scripts use it (DESIGN.md's contract): submit prints the id alone;
// `list --type` filters by operation type and `--reason` by failure type;
// status, retry, pause, resume and cancel, each as its own process against a
// worker process and the simulated registrar; and credit running out, then
// `resume` and `retry ID` finishing every operation.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, FAST_ENV, REDIS_URL, spawnWorker, TEST_SECRET_KEY, uniquePrefix } from '../helpers/engine-harness.ts';
import { lastJson, runCli, startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

const prefix = uniquePrefix('cli');
const TAKEN = 'cli-taken-1.com';
let sim: SimProcess;
let worker: ReturnType<typeof spawnWorker>;

function cli(...args: string[]) {
  return runCli(args, { REDIS_URL, DOMAINFLOW_PREFIX: prefix, DOMAINFLOW_REGISTRAR_URL: sim.url, DOMAINFLOW_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'warn', ...FAST_ENV });
}

const ids = (out: string) => (JSON.parse(out) as { id: string }[]).map((o) => o.id).sort();

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000', '--taken', TAKEN]);
  worker = spawnWorker(prefix, sim.url);
}, 30_000);

afterAll(async () => {
  worker?.kill('SIGTERM');
  await sim?.stop();
  await deletePrefix(prefix);
});

describe('domainflow CLI', () => {
  let registered: string;
  let taken: string;

  it('register prints the id alone; --wait --json ends with the operation, exit 0 or 1', async () => {
    const submitted = await cli('register', 'cli-free-1.com');
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toMatch(/^op_[A-Za-z0-9_-]+\n$/);
    registered = submitted.stdout.trim();
    const again = await cli('register', 'cli-free-2.com', '--key', 'cli-key-1');
    const replay = await cli('register', 'cli-free-2.com', '--key', 'cli-key-1');
    expect(replay.stdout).toBe(again.stdout);
    expect(replay.stderr).toContain('already submitted as');

    const failed = await cli('register', TAKEN, '--wait', '--json');
    expect(failed.code, failed.stderr).toBe(1);
    const op = lastJson(failed.stdout);
    expect(op).toMatchObject({ type: 'register', domain: TAKEN, status: 'failed', failure: { type: 'domain_not_available', code: 211, step: 'checkDomain' } });
    taken = op.id as string;
    const renew = await cli('renew', 'cli-free-1.com', '--wait', '--json');
    expect(renew.code, renew.stderr).toBe(0);

    // DOMAINFLOW_PREFIX is the keys' prefix as given: the job is found under it, and no key of
    // the operation's lies outside it
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.exists(`${prefix}:ops-demo:${registered}`)).toBe(1);
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 10_000);
        cursor = next;
        found.push(...keys);
      } while (cursor !== '0');
      expect(found.length).toBeGreaterThan(3);
      expect(found.filter((key) => !key.startsWith(`${prefix}:`))).toEqual([]);
    } finally {
      await redis.quit();
    }
  }, 60_000);

  it('list: --type is the operation type, --reason the failure type', async () => {
    const registers = await cli('list', '--type', 'register', '--json');
    expect(registers.code, registers.stderr).toBe(0);
    const all = JSON.parse(registers.stdout) as { id: string; type: string }[];
    expect(all.every((o) => o.type === 'register')).toBe(true);
    expect(all.map((o) => o.id)).toEqual(expect.arrayContaining([registered, taken]));
    expect(ids((await cli('list', '--type', 'renew', '--json')).stdout)).toHaveLength(1);
    expect(ids((await cli('list', '--reason', 'domain_not_available', '--json')).stdout)).toEqual([taken]);
    expect(ids((await cli('list', '--status', 'failed', '--type', 'register', '--json')).stdout)).toEqual([taken]);
    const bad = await cli('list', '--type', 'domain_not_available', '--json');
    expect(bad.code).toBe(2);
    expect(lastJson(bad.stdout)).toEqual({ error: '--type must be one of register, renew, transfer, delete', field: 'type' });
    const page = await cli('list', '--limit', '1', '--json');
    expect(JSON.parse(page.stdout)).toHaveLength(1);
    expect(page.stderr).toMatch(/more match: --offset 1/);
  });

  it('status shows the history; retry --reason redrives; pause holds and cancel ends a queued operation; resume', async () => {
    const status = await cli('status', taken, '--json');
    expect(status.code).toBe(0);
    const view = lastJson(status.stdout) as { history: { command: string; code: number; description: string; ms: number; at: string }[] };
    expect(view.history.map((e) => [e.command, e.code])).toEqual([['CheckDomain', 211]]);
    expect(view.history[0]).toMatchObject({ description: expect.any(String), ms: expect.any(Number), at: expect.any(String) });

    const retried = await cli('retry', '--reason', 'domain_not_available', '--json');
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(retried.stdout))).toContain(taken);
    // a misspelt type redrives nothing and says so, instead of printing an empty list
    const misspelt = await cli('retry', '--reason', 'domain_not_availble', '--json');
    expect(misspelt.code).toBe(2);
    expect(lastJson(misspelt.stdout)).toMatchObject({ field: 'reason', error: expect.stringContaining('no failure type "domain_not_availble"') });

    expect((await cli('pause')).code).toBe(0);
    const held = (await cli('register', 'cli-held-1.com')).stdout.trim();
    const cancelled = await cli('cancel', held, '--json');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(lastJson(cancelled.stdout)).toMatchObject({ id: held, status: 'cancelled' });
    expect((await cli('resume')).code).toBe(0);
  }, 60_000);

  it('a key names one operation: the same request again prints its id; another request with it is exit 2, field key', async () => {
    const first = await cli('delete', 'cli-keyed-1.com', '--key', 'cli-key-del');
    expect(first.code, first.stderr).toBe(0);
    const again = await cli('delete', 'cli-keyed-1.com', '--key', 'cli-key-del');
    expect(again.stdout.trim()).toBe(first.stdout.trim());
    const other = await cli('delete', 'cli-keyed-2.com', '--key', 'cli-key-del', '--json');
    expect(other.code).toBe(2);
    expect(lastJson(other.stdout)).toEqual({ error: `key "cli-key-del" already names ${first.stdout.trim()} (delete cli-keyed-1.com), not delete cli-keyed-2.com: give this operation a key of its own`, field: 'key' });
  });

  it('credit runs out: the breaker opens, the rest stay queued; with credit back, `resume` finishes them and `retry ID` the failed one', async () => {
    type Listed = { id: string; domain: string; status: string; failure?: { type: string; code: number } };
    const listed = async (ids: readonly string[]) => ((JSON.parse((await cli('list', '--json')).stdout) as Listed[]).filter((o) => ids.includes(o.id)));
    const until = async (ids: readonly string[], done: (ops: Listed[]) => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ops = await listed(ids);
        if (done(ops)) return ops;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(ops)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    // register costs 10 a year: credit for two registrations
    await sim.post('/credit', { account: 'demo', amount: 20 });
    const domains = Array.from({ length: 6 }, (_, i) => `cli-credit-${i}.com`);
    const ops: string[] = [];
    for (const d of domains) ops.push((await cli('register', d)).stdout.trim());
    const stopped = await until(ops, (o) => o.some((v) => v.status === 'failed') && !o.some((v) => v.status === 'running'), 'the breaker');
    const count = (list: Listed[], status: string) => list.filter((v) => v.status === status).length;
    expect(count(stopped, 'succeeded')).toBe(2);
    const failed = stopped.filter((v) => v.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.failure).toMatchObject({ type: 'credit_limit_exceeded', code: 546 });
    // the other three stay queued (or waiting), not failed
    expect(stopped.filter((v) => ['queued', 'waiting'].includes(v.status))).toHaveLength(3);

    await sim.post('/credit', { account: 'demo', amount: 1000 });
    const resumed = await cli('resume', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const retried = await cli('retry', failed[0]!.id, '--json');
    expect(retried.code, retried.stderr).toBe(0);
    const final = await until(ops, (o) => o.length === 6 && o.every((v) => v.status === 'succeeded'), 'every registration to succeed');
    expect(final.map((v) => v.domain).sort()).toEqual(domains);
    const effects = await sim.effects();
    expect(domains.map((d) => effects[d]?.registered)).toEqual(domains.map(() => 1));
  }, 90_000);

  it('an unknown operation id is invalid input for status, retry and cancel alike: exit 2, field id', async () => {
    for (const verb of ['status', 'retry', 'cancel']) {
      const run = await cli(verb, 'op_nosuchoperation', '--json');
      expect(run.code, verb).toBe(2);
      expect(lastJson(run.stdout), verb).toEqual({ error: 'no operation op_nosuchoperation', field: 'id' });
    }
  });
});
