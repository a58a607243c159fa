import type { Command } from 'commander';
import { parseSimFlags, SIM_DEFAULTS, SimOptionError, startSim, type SimFlags } from '../../sandbox/index.ts';
import { onStopSignal } from '../../stop-signals.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run the simulated registrar (the embedded default registrar for tests, benchmarks and a first run)')
    .option('--port <port>', `port to listen on (0 = any free port; default ${SIM_DEFAULTS.port})`)
    .option('--host <host>', `address to listen on (default ${SIM_DEFAULTS.host})`)
    .option('--rate <n>', `commands per second per account before the 422 abuse lock (default ${SIM_DEFAULTS.rate})`)
    .option('--lock-seconds <s>', `how long the abuse lock lasts (default ${SIM_DEFAULTS.lockSeconds})`)
    .option('--sessions <n>', `open connections per account before 521 (default ${SIM_DEFAULTS.sessions})`)
    .option('--temp-fail-rate <f>', 'share of commands answered 420/421/423 before any effect (0..1)')
    .option('--drop-rate <f>', 'share of commands that take effect but lose their reply (0..1)')
    .option('--latency-ms <ms>', 'delay before each command is answered')
    .option('--seed <n>', 'seed of the fault sequence (the same seed replays the same faults)')
    .option('--taken <names>', 'comma-separated names held by other accounts, on top of the seeded ones')
    .option('--credit <amount>', `starting credit of each account (default ${SIM_DEFAULTS.credit})`)
    .option('--transfer-seconds <s>', `sim seconds until a requested transfer completes (default ${SIM_DEFAULTS.transferSeconds})`)
    .option('--state-file <path>', 'save the registry to this file and reload it on restart')
    .option('--account <login:password>', 'another account besides demo/demo (repeatable)', collect, [])
    .action(async (flags: SimFlags) => {
      let options;
      try {
        options = parseSimFlags(flags);
      } catch (err) {
        if (!(err instanceof SimOptionError)) throw err;
        console.error(`domainflow sim: ${err.message}`);
        process.exitCode = 2;
        return;
      }
      let sim;
      try {
        sim = await startSim(options);
      } catch (err) {
        console.error(`domainflow sim: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
        return;
      }
      console.log(`domainflow sim: registrar at ${sim.url}`);
      console.log(`domainflow sim: admin endpoints at ${sim.baseUrl}/_sim/ (effects, stats, log, reset)`);
      console.log(`domainflow sim: default login ${SIM_DEFAULTS.login}, fault seed ${sim.options.seed}`);
      const stop = (signal: string) => {
        console.log(`domainflow sim: ${signal}, stopping`);
        sim
          .close()
          .then(() => process.exit(0))
          .catch((err: unknown) => {
            console.error(`domainflow sim: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(1);
          });
      };
      onStopSignal(stop);
    });
}
