// `domainflow sim` as a separate process, as a user runs it: it prints the URL,
// answers registrar commands and admin calls, refuses bad flags naming them,
// and stops cleanly on SIGTERM. Needs the build (`npm test` runs it in pretest).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RegistrarClient } from '../../src/registrar/client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = 'bin/domainflow.js';
let child: ChildProcessWithoutNullStreams | undefined;

beforeAll(() => {
  // `npm test` builds first; a bare `vitest run` on a fresh clone builds here.
  if (!existsSync(`${ROOT}dist/src/cli/commands/sim.js`)) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}, 120_000);

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function run(args: string[]): { proc: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => output, exited };
}

async function waitFor(output: () => string, pattern: RegExp, ms = 15_000): Promise<RegExpExecArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(output());
    if (m) return m;
    if (Date.now() > until) throw new Error(`no ${pattern} in: ${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('domainflow sim (process)', () => {
  it('serves the registrar at the printed URL and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const sim = run(['sim', '--port', String(port), '--taken', 'cli-taken.com', '--rate', '1000']);
    child = sim.proc;
    const [, url] = await waitFor(sim.output, /(http:\/\/127\.0\.0\.1:\d+\/api\/call\.cgi)/);
    expect(url).toBe(`http://127.0.0.1:${port}/api/call.cgi`);

    const client = new RegistrarClient({ url: url!, login: 'demo', password: 'demo', timeoutMs: 5000 });
    try {
      expect((await client.checkDomain('cli-taken.com')).code).toBe(211);
      expect((await client.addDomain({ domain: 'cli-made.com' })).code).toBe(200);
      expect((await client.addDomain({ domain: 'cli-made.com' })).code).toBe(554);
    } finally {
      await client.close();
    }
    const effects = await request(`http://127.0.0.1:${port}/_sim/effects`);
    expect(await effects.body.json()).toEqual({ 'cli-made.com': { registered: 1, renewed: 0, transferred: 0, deleted: 0 } });

    sim.proc.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    expect(sim.output()).toMatch(/SIGTERM, stopping/);
  });

  it('refuses an invalid flag value with a message naming the flag (exit 2)', async () => {
    for (const [flag, value] of [
      ['--rate', 'fast'],
      ['--drop-rate', '1.5'],
      ['--taken', 'not a name'],
    ] as const) {
      const sim = run(['sim', '--port', '0', flag, value]);
      child = sim.proc;
      expect(await sim.exited).toBe(2);
      expect(sim.output()).toContain(`domainflow sim: ${flag} `);
    }
  });
});
