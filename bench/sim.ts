// How many commands a second the simulated registrar answers over keep-alive
// HTTP on one core. The sim runs in a child process (the real CLI, through tsx)
// so that the load generator does not share its core; faults off, a rate limit
// high enough never to lock.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

export interface SimBenchOptions {
  readonly seconds?: number;
  readonly connections?: number;
  readonly concurrency?: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function startSimProcess(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--port', '0', '--rate', '1000000', '--sessions', '1000'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sim did not start within 20 s: ${output}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /(http:\/\/\S+\/api\/call\.cgi)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the sim exited (${code}) before it listened: ${output}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, stop };
}

export async function benchSim(options: SimBenchOptions = {}): Promise<{ simCommandsPerSec: number }> {
  const seconds = options.seconds ?? 4;
  const connections = options.connections ?? 16;
  const concurrency = options.concurrency ?? 32;
  const sim = await startSimProcess();
  const target = new URL(sim.url);
  const pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const bodies = [
    'command=CheckDomain&domain=example.com',
    'command=CheckDomain&domain=bench-free-name.com',
    'command=StatusDomain&domain=example.com',
  ].map((c) => `s_login=demo&s_pw=demo&${c}`);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  let done = 0;
  let failures = 0;
  let counting = false;
  let stopAt = 0;

  const worker = async (id: number): Promise<void> => {
    for (let i = id; performance.now() < stopAt; i++) {
      const res = await pool.request({ path: target.pathname, method: 'POST', headers, body: bodies[i % bodies.length] });
      const text = await res.body.text();
      // 210/211 for the checks, 545 for StatusDomain of a name demo does not hold: all real answers, no 4xx.
      if (res.statusCode !== 200 || !/^code = (210|211|545)$/m.test(text)) failures++;
      else if (counting) done++;
    }
  };

  try {
    // Warm up (JIT, connections), then measure.
    stopAt = performance.now() + 700;
    await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
    counting = true;
    const started = performance.now();
    stopAt = started + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
    const elapsed = (performance.now() - started) / 1000;
    if (failures > 0) throw new Error(`${failures} commands did not get the expected answer`);
    return { simCommandsPerSec: Math.round(done / elapsed) };
  } finally {
    await pool.close();
    await sim.stop();
  }
}
