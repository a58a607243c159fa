import type { Command } from 'commander';
import { runWorker } from '../../../workers/operations-worker.ts';
import { ConfigError } from '../../engine/config.ts';
import { SecretKeyError } from '../../engine/secret-box.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker for the account until SIGTERM (then finish or hand back in-flight steps, exit 0)')
    .option('--concurrency <n>', 'operations in flight at once', '4')
    .action(async (flags: { concurrency: string }) => {
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        console.error('domainflow: --concurrency must be a whole number >= 1');
        process.exitCode = 2;
        return;
      }
      try {
        await runWorker({ concurrency });
      } catch (err) {
        // Bad configuration is invalid input (2), as for every other command; no Redis is an error (1).
        const usage = err instanceof ConfigError || err instanceof SecretKeyError;
        console.error(`domainflow worker: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = usage ? 2 : 1;
      }
    });
}
