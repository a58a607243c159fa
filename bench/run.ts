// `npm run bench [-- --json] [-- --only NAME]`: runs the benchmarks one after
// another (they must not compete for the two cores), prints a summary, and with
// --json prints as its last line one JSON object merging every figure. The code
// measured is the build in dist/ (npm run bench builds it first): what
// `domainflow` runs, not the TypeScript sources through tsx's loader.
// To add a benchmark, add an entry to BENCHMARKS.
import { benchEngine } from './engine.ts';
import { benchListing } from './listing.ts';
import { benchSim } from './sim.ts';

type Figures = Record<string, number>;

interface Benchmark {
  readonly name: string;
  readonly description: string;
  readonly run: () => Promise<Figures>;
}

const BENCHMARKS: readonly Benchmark[] = [
  { name: 'sim', description: 'simulated registrar, keep-alive HTTP, CheckDomain/StatusDomain', run: benchSim },
  { name: 'engine', description: 'engine vs plain BullMQ (in-process instant registrar), Redis memory per queued operation', run: benchEngine },
  { name: 'listing', description: 'a list page and a batch progress at 1,000 and 20,000 operations, against a full read; a redrive of 2,000 failures', run: benchListing },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1]?.split(',') : undefined;
  const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));
  if (selected.length === 0) throw new Error(`no benchmark named ${only?.join(',')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);

  const results: Figures = {};
  for (const bench of selected) {
    const started = performance.now();
    console.log(`bench ${bench.name}: ${bench.description} ...`);
    const figures = await bench.run();
    Object.assign(results, figures);
    const took = ((performance.now() - started) / 1000).toFixed(1);
    for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(28)} ${value.toLocaleString('en-US')}`);
    console.log(`  (${took} s)`);
  }
  if (json) console.log(JSON.stringify(results));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
