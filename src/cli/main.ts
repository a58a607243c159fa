// The `domainflow` command.
import { Command } from 'commander';
import { registerCodesCommand } from './commands/codes.ts';
import { registerStartCommand } from './commands/start.ts';

export function buildProgram(): Command {
  const program = new Command();
  program.name('domainflow').description('domain operations as state machines in a Redis-backed queue').showHelpAfterError();
  registerCodesCommand(program);
  registerStartCommand(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
