// `domainflow bulk` as a user runs it: 1,000 registrations from a CSV, 100 of
// them taken, run by `domainflow worker` processes against the simulated
// registrar over HTTP. The batch costs about one command a domain (32 names a
// CheckDomains, taken names fail without a command of their own), the report
// has a row an operation, and the --json last line has the contract's shape.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, FAST_ENV, REDIS_URL, spawnWorker, TEST_SECRET_KEY, uniquePrefix } from '../helpers/engine-harness.ts';
import { CLI, startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

const TOTAL = 1000;
const isTaken = (i: number) => i % 10 === 0;
const names = Array.from({ length: TOTAL }, (_, i) => `bulk1k-${i}-${process.pid}.com`);
const taken = names.filter((_, i) => isTaken(i));

let sim: SimProcess;
let prefix: string;
let dir: string;
const workers: ChildProcess[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function bulk(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return spawnBulk(args, env).done;
}

function spawnBulk(args: string[], env: Record<string, string> = {}): { child: ChildProcess; stderr: () => string; done: Promise<Run> } {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'bulk', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      REDIS_URL,
      DOMAINFLOW_PREFIX: prefix,
      DOMAINFLOW_REGISTRAR_URL: sim.url,
      DOMAINFLOW_SECRET_KEY: TEST_SECRET_KEY,
      DOMAINFLOW_DATA_DIR: join(dir, '.domainflow'),
      DOMAINFLOW_RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
      ...FAST_ENV,
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
  return { child, stderr: () => stderr, done };
}

const lastLine = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>;

beforeAll(async () => {
  // A generous registrar rate: this test is about cost and counting, not pacing.
  sim = await startSimProcess(['--rate', '100000', '--sessions', '64', '--taken', taken.join(',')]);
  prefix = uniquePrefix('bulk');
  dir = mkdtempSync(join(tmpdir(), 'df-bulk-'));
  for (let i = 0; i < 2; i++) workers.push(spawnWorker(prefix, sim.url, { DOMAINFLOW_RATE_LIMIT: '0', DOMAINFLOW_CONNECTIONS: '16' }, 16));
});

afterAll(async () => {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null) return resolve();
          w.once('exit', () => resolve());
          w.kill('SIGTERM');
        }),
    ),
  );
  await sim?.stop();
  if (prefix) await deletePrefix(prefix);
});

describe('domainflow bulk (process)', () => {
  it('runs 1,000 registrations (100 taken) for about a command a domain, with a full report', async () => {
    const csv = ['op,domain,period', ...names.map((d) => `register,${d},1`)].join('\n') + '\n';
    writeFileSync(join(dir, 'thousand.csv'), csv);
    const before = (await sim.stats()).commands;

    const run = await bulk(['thousand.csv', '--wait', '--json', '--report', 'report.csv']);
    console.log(`bulk 1000: ${run.ms} ms`);
    expect(run.code, run.stderr).toBe(1); // some failed
    const result = lastLine(run.stdout);
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['batch', 'accepted', 'rejected', 'succeeded', 'failed']));
    expect(result).toMatchObject({ accepted: 1000, rejected: 0, succeeded: 900, failed: 100 });
    expect(result.batch).toMatch(/^b_/);

    // plain progress lines (stderr is not a terminal) and the summary
    expect(run.stderr).toMatch(/batch b_\S+: \d+\/1000 done \(\d+%\)/);
    expect(run.stderr).toContain('1000/1000 done (100%) | 900 succeeded, 100 failed');
    expect(run.stderr).toMatch(/domain_not_available\s+100/);

    const commands = (await sim.stats()).commands - before;
    console.log(`bulk 1000: ${commands} registrar commands`);
    expect(commands).toBeLessThanOrEqual(1100);
    expect(commands).toBe(Math.ceil(TOTAL / 32) + 900);

    const report = readFileSync(join(dir, 'report.csv'), 'utf8').trimEnd().split('\n');
    expect(report[0]).toBe('id,op,domain,status,failure_type,code');
    expect(report).toHaveLength(1001);
    const rows = report.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[2])).toEqual(names); // file order
    expect(rows.filter((r) => r[3] === 'succeeded' && r[4] === '' && r[5] === '200')).toHaveLength(900);
    const failedRows = rows.filter((r) => r[3] === 'failed');
    expect(failedRows.map((r) => r[2])).toEqual(taken);
    expect(failedRows.every((r) => r[1] === 'register' && r[4] === 'domain_not_available' && r[5] === '211')).toBe(true);

    // nothing was registered twice
    const effects = await sim.effects();
    expect(names.filter((d, i) => !isTaken(i) && effects[d]?.registered !== 1)).toEqual([]);
  }, 60_000);

  it('reports invalid lines with their numbers on stderr, skips them and runs the rest', async () => {
    const lines = [
      '# a comment line',
      'op,domain,period',
      `register,fine-a-${process.pid}.com,1`,
      `register,bad_name.com,1`, // line 4
      `register,fine-b-${process.pid}.com,2`,
      `register,fine-c-${process.pid}.com,11`, // line 6: period out of range
      `transfer,fine-d-${process.pid}.com,1`, // line 7: no auth code
      `register,fine-e-${process.pid}.com`,
    ];
    writeFileSync(join(dir, 'mixed.csv'), lines.join('\n'));
    const run = await bulk(['mixed.csv', '--wait', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/line 4 skipped: domain:/);
    expect(run.stderr).toMatch(/line 6 skipped: period:/);
    expect(run.stderr).toMatch(/line 7 skipped: auth:/);
    expect(run.stderr).not.toMatch(/line [1235] skipped/);
    const result = lastLine(run.stdout);
    expect(result).toMatchObject({ accepted: 3, rejected: 3, succeeded: 3, failed: 0 });
    // the default report path
    const report = readFileSync(join(dir, `domainflow-report-${String(result.batch)}.csv`), 'utf8').trimEnd().split('\n');
    expect(report).toHaveLength(4);

    // NDJSON, without --wait: submitted, counted later
    writeFileSync(join(dir, 'ops.ndjson'), `{"op":"register","domain":"nd-${process.pid}.com"}\n{"op":"renew"}\n`);
    const nd = await bulk(['ops.ndjson', '--json']);
    expect(nd.code, nd.stderr).toBe(0);
    expect(nd.stderr).toMatch(/line 2 skipped: domain: is required/);
    // without --wait the counts are the current ones: the worker may already have finished it
    const ndResult = lastLine(nd.stdout);
    expect(ndResult).toMatchObject({ accepted: 1, rejected: 1, failed: 0 });
    expect([0, 1]).toContain(ndResult.succeeded);
  }, 30_000);

  it('refuses a report path it could not write before anything is submitted: exit 2, field report', async () => {
    const unused = uniquePrefix('bulk-report');
    writeFileSync(join(dir, 'two.csv'), `op,domain\nregister,report-a-${process.pid}.com\nregister,report-b-${process.pid}.com\n`);
    const run = await bulk(['two.csv', '--wait', '--json', '--report', join(dir, 'no-such-folder', 'r.csv')], { DOMAINFLOW_PREFIX: unused });
    expect(run.code, run.stderr).toBe(2);
    expect(lastLine(run.stdout)).toEqual({ error: `--report: cannot write there: no folder ${join(dir, 'no-such-folder')}`, field: 'report' });
    // a folder is no report file either
    const folder = await bulk(['two.csv', '--report', dir], { DOMAINFLOW_PREFIX: unused });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`${dir} is a folder`);
    // nothing was written to Redis under that prefix
    const redis = new Redis(REDIS_URL);
    try {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${unused}:*`, 'COUNT', 10_000);
        cursor = next;
        found.push(...keys);
      } while (cursor !== '0');
      expect(found).toEqual([]);
    } finally {
      await redis.quit();
    }
  });

  it('stops following on Ctrl-C, as npx delivers it (twice), with exit 130; the batch goes on', async () => {
    // an account prefix no worker serves: the batch waits
    const idle = uniquePrefix('bulk-idle');
    try {
      writeFileSync(join(dir, 'idle.csv'), `op,domain\nregister,idle-a-${process.pid}.com\nregister,idle-b-${process.pid}.com\n`);
      const run = spawnBulk(['idle.csv', '--wait'], { DOMAINFLOW_PREFIX: idle });
      const deadline = Date.now() + 15_000;
      while (!/no worker is running/.test(run.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      run.child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 20));
      run.child.kill('SIGINT');
      const result = await run.done;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toMatch(/stopped following; the batch goes on/);
    } finally {
      await deletePrefix(idle);
    }
  }, 30_000);

  it('exits 2 when the file cannot be read or has no valid line', async () => {
    const missing = await bulk(['no-such-file.csv', '--json']);
    expect(missing.code).toBe(2);
    expect(lastLine(missing.stdout)).toEqual({ error: 'cannot read no-such-file.csv: no such file', field: 'file' });

    writeFileSync(join(dir, 'all-bad.csv'), 'op,domain\nregister,-bad-.com\nfly,x.com\n');
    const bad = await bulk(['all-bad.csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/line 2 skipped/);
    expect(bad.stderr).toMatch(/line 3 skipped: type:/);
    expect(bad.stderr).toMatch(/no valid operation in all-bad.csv \(2 invalid line\(s\)\)/);

    const format = await bulk(['all-bad.csv', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format must be one of csv, ndjson, json/);
  }, 30_000);
});
