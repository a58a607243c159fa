// The `domainflow` command.
import { Command } from 'commander';
import { registerBulkCommand } from './commands/bulk.ts';
import { registerCodesCommand } from './commands/codes.ts';
import { registerMachinesCommand } from './commands/machines.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSimCommand } from './commands/sim.ts';
import { registerManageCommands } from './commands/manage.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerSubmitCommands } from './commands/submit.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { packageVersion } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command();
  program.name('domainflow').description('domain operations as state machines in a Redis-backed queue').version(packageVersion(), '-V, --version').showHelpAfterError();
  registerCodesCommand(program);
  registerMachinesCommand(program);
  registerStartCommand(program);
  registerSimCommand(program);
  registerWorkerCommand(program);
  registerServeCommand(program);
  registerSubmitCommands(program);
  registerBulkCommand(program);
  registerManageCommands(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
