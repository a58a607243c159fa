// The `domainflow` command.
import { Command, CommanderError } from 'commander';
import { registerBulkCommand } from './commands/bulk.ts';
import { registerCodesCommand } from './commands/codes.ts';
import { registerMachinesCommand } from './commands/machines.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSimCommand } from './commands/sim.ts';
import { registerManageCommands } from './commands/manage.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerSubmitCommands } from './commands/submit.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { checkEnvironment, ConfigError } from '../engine/config.ts';
import { reportFailure } from './cli-runtime.ts';
import { packageVersion } from '../version.ts';

/** Where `--json` is asked for, a usage error is a JSON line on stdout, without the help text. */
const wantsJson = (argv: readonly string[]) => argv.slice(2).includes('--json');

export function buildProgram(argv: readonly string[] = process.argv): Command {
  const program = new Command();
  const json = wantsJson(argv);
  program
    .name('domainflow')
    .description('domain operations as state machines in a Redis-backed queue')
    .version(packageVersion(), '-V, --version')
    // Before any command is added: subcommands take these settings from the program.
    .exitOverride()
    .configureOutput(json ? { writeErr: () => undefined } : {})
    .showHelpAfterError()
    .hook('preAction', (_program, command) => {
      refuseFlagsAsValues(command);
      // The environment is checked for every command, before it does anything.
      checkEnvironment(process.env);
    });
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

/**
 * An option that needs a value takes the next word even when it is another option
 * (`transfer x.com --auth --json` would submit the auth code "--json"): refused, as
 * commander refuses an option with no word after it.
 */
function refuseFlagsAsValues(command: Command, argv: readonly string[] = process.argv): void {
  const flags = new Set(['--help', '-h', ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined))]);
  for (const option of command.options) {
    if (!option.required && !option.optional) continue;
    const value: unknown = command.getOptionValue(option.attributeName());
    for (const v of Array.isArray(value) ? value : [value]) {
      // `--auth=--json` says plainly that the value is "--json": only the separate word is ambiguous.
      if (typeof v === 'string' && flags.has(v) && !argv.includes(`${option.long}=${v}`)) throw new CommanderError(2, 'commander.optionMissingArgument', `error: option '${option.flags}' argument missing (${v} is an option)`);
    }
  }
}

/** The option or argument a commander usage error names, as `{ field }` names it. */
export function usageField(err: CommanderError): string {
  if (err.code === 'commander.excessArguments') return 'arguments';
  if (err.code === 'commander.unknownCommand') return 'command';
  const named = /(?:option|argument) '(?:--)?([A-Za-z][\w-]*)/.exec(err.message);
  return named?.[1] ?? 'arguments';
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      if (err.exitCode === 0) process.exit(0);
      // A usage error is invalid input: exit 2, as for every other (commander's own is 1).
      if (wantsJson(process.argv)) process.stdout.write(JSON.stringify({ error: err.message.split('\n')[0]!.replace(/^error: /, ''), field: usageField(err) }) + '\n');
      else if (err.code === 'commander.optionMissingArgument' && err.exitCode === 2) console.error(err.message);
      process.exit(2);
    }
    // A bad environment variable is invalid input too (the message names it).
    if (err instanceof ConfigError) process.exit(reportFailure(err, wantsJson(process.argv)));
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
