import type { Command } from 'commander';
import { CODES } from '../../codes.ts';

export function registerCodesCommand(program: Command): void {
  program
    .command('codes')
    .description('print the registrar return-code table (code, class, type, description)')
    .option('--json', 'print a JSON array of { code, description, class, type }')
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        process.stdout.write(JSON.stringify(CODES.map(({ code, description, class: cls, type }) => ({ code, description, class: cls, type })), null, 2) + '\n');
        return;
      }
      const rows = CODES.map((c) => `${c.code}  ${c.class.padEnd(9)}  ${c.type.padEnd(36)}  ${c.description}`);
      process.stdout.write(['code  class      type                                  description', ...rows].join('\n') + '\n');
    });
}
