// The simulated registrar in its own process (`domainflow sim`), as users run it,
// with its admin endpoints.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = resolve(ROOT, 'bin/domainflow.js');

export interface SimProcess {
  readonly url: string;
  readonly admin: string;
  readonly child: ChildProcess;
  effects(): Promise<Record<string, { registered: number; renewed: number; transferred: number; deleted: number }>>;
  stats(): Promise<{ commands: number; byCode: Record<string, number>; locks: number; [k: string]: unknown }>;
  log(query?: string): Promise<SimLogEntry[]>;
  post(path: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export interface SimLogEntry {
  seq: number;
  command: string;
  domain?: string;
  code: number;
  account?: string;
  start: number;
  end: number;
  [k: string]: unknown;
}

/** Pairs of commands on one domain whose times overlap (the sim's log): two runs of one domain's operations at once. */
export function overlaps(log: readonly SimLogEntry[]): string[] {
  const byDomain = new Map<string, SimLogEntry[]>();
  for (const e of log) if (e.domain) byDomain.set(e.domain, [...(byDomain.get(e.domain) ?? []), e]);
  const found: string[] = [];
  for (const [domain, entries] of byDomain) {
    const sorted = entries.sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1]!, sorted[i]!];
      if (b.start < a.end) found.push(`${domain}: ${a.command} #${a.seq} and ${b.command} #${b.seq}`);
    }
  }
  return found;
}

export async function startSimProcess(args: string[] = []): Promise<SimProcess> {
  const child = spawn(process.execPath, [CLI, 'sim', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim did not start: ${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/api\/call\.cgi)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sim exited with ${code}: ${output}`)));
  });
  const admin = url.replace('/api/call.cgi', '/_sim');
  const get = async (path: string) => {
    const res = await fetch(`${admin}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return res.json();
  };
  return {
    url,
    admin,
    child,
    effects: () => get('/effects') as never,
    stats: () => get('/stats') as never,
    log: (query = '') => get(`/log${query}`) as never,
    async post(path, body) {
      const res = await fetch(`${admin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** how long the process ran */
  readonly ms: number;
}

/** Run `domainflow ARGS` as a script would, with exactly this environment (plus PATH and HOME), in `cwd` (default: this process's). */
export function runCli(args: readonly string[], env: Record<string, string | undefined>, timeoutMs = 30_000, cwd?: string): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolveRun) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: timeoutMs, ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolveRun({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The last line of output, parsed as JSON. */
export const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
