// `domainflow start` (and `npm start`): the whole system on this machine until
// Ctrl-C or SIGTERM, then a clean stop and exit 0. The work is in src/launcher/.
import type { Command } from 'commander';
import { startServer } from '../../api/server.ts';
import { ConfigError } from '../../engine/config.ts';
import { SecretKeyError } from '../../engine/secret-box.ts';
import { formatBanner } from '../../launcher/banner.ts';
import { launchOptions, type StartFlags } from '../../launcher/launch-options.ts';
import { launch, type ApiStarter } from '../../launcher/launcher.ts';
import { createLogger } from '../../logger.ts';
import { onStopSignal } from '../../stop-signals.ts';
import { workerMetricsHooks } from '../../metrics/worker-hooks.ts';

async function runStart(flags: StartFlags, startApi: ApiStarter): Promise<number> {
  let options;
  try {
    options = launchOptions(process.env, flags);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`domainflow start: ${err.message}`);
    return 2;
  }
  const logger = createLogger('start');
  let system;
  try {
    system = await launch(options, { env: process.env, logger, startApi, workerHooks: (rt) => workerMetricsHooks(rt.engine, { logger }) });
  } catch (err) {
    console.error(`domainflow start: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof SecretKeyError || err instanceof ConfigError ? 2 : 1;
  }
  console.log(formatBanner({ system, prefix: options.config.prefix, tokenSet: options.config.apiToken !== undefined }));

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    onStopSignal(resolve, (again) => {
      logger.warn({ signal: again }, 'stopping at once: in-flight steps are taken over after the stall time');
      process.exit(1);
    });
  });
  console.log(`domainflow: ${signal}, stopping (the worker hands back in-flight steps)`);
  await system.stop();
  console.log('domainflow: stopped');
  return 0;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the whole system on this machine: Redis, the simulated registrar, a worker and the API with its dashboard')
    .option('--port <port>', 'API and dashboard port (default DOMAINFLOW_PORT or 3000; a free one if taken)')
    .option('--host <host>', 'address the API listens on (default 127.0.0.1; 0.0.0.0 when DOMAINFLOW_API_TOKEN is set)')
    .option('--concurrency <n>', "the worker's operations in flight at once (default DOMAINFLOW_CONCURRENCY or 8)")
    .action(async (flags: StartFlags) => {
      const code = await runStart(flags, startServer);
      // Whatever a library left open (keep-alive sockets), start is over.
      process.exit(code);
    });
}
