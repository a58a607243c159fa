import type { Command } from 'commander';
import { MACHINES } from '../../../machines/index.ts';
import { summarize, toMermaid } from '../../../machines/mermaid.ts';
import type { OperationType } from '../../../machines/contract.ts';

const TYPES = Object.keys(MACHINES) as OperationType[];

export function registerMachinesCommand(program: Command): void {
  program
    .command('machines')
    .description('describe the operation machines (generated from their definitions)')
    .option('--mermaid', 'print Mermaid stateDiagram-v2 diagrams (fenced Markdown blocks; raw with --type)')
    .option('--type <type>', `one machine: ${TYPES.join(', ')}`)
    .action((opts: { mermaid?: boolean; type?: string }) => {
      if (opts.type !== undefined && !TYPES.includes(opts.type as OperationType)) {
        process.stderr.write(`--type: must be one of ${TYPES.join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
      const types = opts.type ? [opts.type as OperationType] : TYPES;
      if (opts.mermaid) {
        const diagrams = types.map((t) => toMermaid(MACHINES[t]));
        const out = opts.type ? diagrams[0] : diagrams.map((d, i) => `## ${types[i]}\n\n\`\`\`mermaid\n${d}\n\`\`\``).join('\n\n');
        process.stdout.write(`${out}\n`);
        return;
      }
      process.stdout.write(types.map((t) => summarize(MACHINES[t])).join('\n\n') + '\n');
    });
}
