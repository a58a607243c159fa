// The operations worker process: runs operations of the configured account
// until SIGTERM or SIGINT, then finishes or hands back its in-flight steps and
// exits 0.
import { pathToFileURL } from 'node:url';
import { createLogger } from '../src/logger.ts';
import { ConfigError } from '../src/engine/config.ts';
import { openRuntime } from '../src/engine/runtime.ts';
import { concurrencyOption, DEFAULT_WORKER_CONCURRENCY } from '../src/launcher/launch-options.ts';
import { workerMetricsHooks } from '../src/metrics/worker-hooks.ts';
import { closeUnlessRedisGone, onStopSignal } from '../src/stop-signals.ts';

export interface WorkerProcessOptions {
  /** As given on the command line (--concurrency); else DOMAINFLOW_CONCURRENCY, else 4. */
  readonly concurrency?: string;
}

export async function runWorker(options: WorkerProcessOptions = {}): Promise<void> {
  const logger = createLogger('worker');
  // Checked before anything is opened: a bad value is invalid input (exit 2), like a bad variable.
  const concurrency = concurrencyOption(process.env, options.concurrency, DEFAULT_WORKER_CONCURRENCY);
  const runtime = await openRuntime(process.env, logger);
  // Counters for /metrics, flushed to Redis about once a second (src/metrics/).
  const metrics = workerMetricsHooks(runtime.engine, { logger });
  const worker = runtime.engine.startWorker({ registrar: runtime.registrar(), concurrency, onCommand: metrics.onCommand, onFinal: metrics.onFinal });
  logger.info({ account: runtime.config.login, queue: runtime.engine.keys.queue, concurrency, rateLimit: runtime.config.rateLimit }, 'worker started');
  let stopping = false;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'worker stopping: finishing or handing back in-flight steps');
      void closeUnlessRedisGone(
        () => runtime.engine.reachable(),
        () => worker.close(),
      )
        .then((how) => {
          if (how === 'closed') return;
          // Exit 1: the stop was not clean (see closeUnlessRedisGone).
          logger.error({}, 'worker stopped without Redis: in-flight operations are taken over after the stall time once Redis is back');
          runtime.engine.disconnect();
          process.exit(1);
        })
        .then(() => metrics.close())
        .then(() => runtime.close())
        .then(resolve, (err: unknown) => {
          logger.error({ err: err instanceof Error ? err.message : String(err) }, 'worker did not stop cleanly');
          resolve();
        });
    };
    onStopSignal(stop, (again) => {
      logger.warn({ signal: again }, 'stopping at once: in-flight steps are taken over after the stall time');
      process.exit(1);
    });
  });
  logger.info({}, 'worker stopped');
}

// Run directly (node dist/workers/operations-worker.js) as well as through `domainflow worker`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWorker().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    // invalid input (a bad variable), as `domainflow worker` says it
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
