import type { Command } from 'commander';
import { runWorker } from '../../../workers/operations-worker.ts';
import { failureOf } from '../cli-runtime.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker for the account until SIGTERM (then finish or hand back in-flight steps, exit 0)')
    .option('--concurrency <n>', 'operations in flight at once (default DOMAINFLOW_CONCURRENCY or 4)')
    .action(async (flags: { concurrency?: string }) => {
      try {
        await runWorker({ concurrency: flags.concurrency });
      } catch (err) {
        const failure = failureOf(err);
        console.error(`domainflow worker: ${failure.message}`);
        process.exitCode = failure.code;
      }
    });
}
