// `domainflow serve`: the HTTP API and dashboard until SIGINT or SIGTERM.
import type { Command } from 'commander';
import { InsecureHostError, startServer } from '../../api/server.ts';
import { openRuntime } from '../../engine/runtime.ts';
import { failureOf } from '../cli-runtime.ts';
import { createLogger } from '../../logger.ts';
import { onStopSignal } from '../../stop-signals.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API and dashboard (bearer token from DOMAINFLOW_API_TOKEN; without one, loopback only)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '3000')
    .option('--host <host>', 'address to listen on (anything but loopback needs DOMAINFLOW_API_TOKEN)', '127.0.0.1')
    .action(async (flags: { port: string; host: string }) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error('domainflow serve: --port must be a whole number from 0 to 65535');
        process.exitCode = 2;
        return;
      }
      const logger = createLogger('api');
      let runtime;
      try {
        runtime = await openRuntime(process.env, logger);
      } catch (err) {
        const failure = failureOf(err);
        console.error(`domainflow serve: ${failure.message}`);
        process.exitCode = failure.code;
        return;
      }
      let server;
      try {
        server = await startServer({ runtime, port, host: flags.host, logger, ...(runtime.config.apiToken ? { token: runtime.config.apiToken } : {}) });
      } catch (err) {
        await runtime.close().catch(() => undefined);
        console.error(`domainflow serve: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = err instanceof InsecureHostError ? 2 : 1;
        return;
      }
      // A wildcard address is not one to browse to: the local URL, and what it listens on.
      const wildcard = ['0.0.0.0', '::', '[::]'].includes(flags.host) ? `; listening on all addresses (${flags.host}), with the bearer token` : '';
      console.log(`domainflow serve: API and dashboard at ${server.url}/ (OpenAPI document at ${server.url}/docs)${wildcard}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'API stopping');
          void server
            .close()
            .then(() => runtime.close())
            .catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'API did not stop cleanly'))
            .finally(resolve);
        };
        onStopSignal(stop);
      });
    });
}
