import type { Command } from 'commander';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the whole system on this machine (Redis, simulated registrar, worker, API)')
    .action(() => {
      // The engine and API land in later issues; until then `start` shows what the CLI can do.
      program.outputHelp();
    });
}
