// What an end-to-end test starts, stopped after each test: worker processes
// killed, engine harnesses closed (their keys removed), simulated registrars stopped.
import type { ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { createHarness, spawnWorker, type Harness } from './engine-harness.ts';
import { startSimProcess, type SimProcess } from './sim-process.ts';

export interface TestProcesses {
  /** A `domainflow sim` process with these flags. */
  sim(args: readonly string[]): Promise<SimProcess>;
  harness(...args: Parameters<typeof createHarness>): Harness;
  /** A `domainflow worker` process (see spawnWorker). */
  worker(...args: Parameters<typeof spawnWorker>): ReturnType<typeof spawnWorker>;
}

/** Call at the top of a test file: what each test starts through it is stopped after that test. */
export function processesPerTest(): TestProcesses {
  const sims: SimProcess[] = [];
  const harnesses: Harness[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    for (const h of harnesses.splice(0)) await h.close();
    for (const s of sims.splice(0)) await s.stop();
  });
  return {
    async sim(args) {
      const sim = await startSimProcess([...args]);
      sims.push(sim);
      return sim;
    },
    harness(...args) {
      const h = createHarness(...args);
      harnesses.push(h);
      return h;
    },
    worker(...args) {
      const child = spawnWorker(...args);
      children.push(child);
      return child;
    },
  };
}
