// `npm run bench:compare -- OTHER_CHECKOUT [ROUNDS]`: this checkout's engine against another
// checkout's (an older commit in a git worktree, say), in one process, in rounds of one run of
// each back to back, alternating which goes first. Both must be built (npm run build) and the
// other needs its node_modules (a symlink to this one's will do). Prints each round and the
// median of the rounds' ratios: on a machine whose speed drifts, the figure to compare changes by.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as EngineBench from './engine.ts';

async function main(): Promise<void> {
  const [other, roundsArg] = process.argv.slice(2);
  if (!other) throw new Error('usage: npm run bench:compare -- OTHER_CHECKOUT [ROUNDS]');
  const rounds = Number(roundsArg ?? 8);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`ROUNDS must be a positive integer, not ${roundsArg}`);
  const theirs = (await import(pathToFileURL(resolve(other, 'bench/engine.ts')).href)) as Pick<typeof EngineBench, 'engineRun'>;
  const ours = (await import('./engine.ts')) as typeof EngineBench;
  // BENCH_ENGINE_OPS as for `npm run bench`: longer runs (30,000) tell 1 to 3% steps apart better on a drifting machine.
  const ops = Number(process.env.BENCH_ENGINE_OPS ?? 10_000);
  // BENCH_COMPARE_CONCURRENCY: jobs in flight (default 256, where the engine keeps the process
  // busy: a change's cost shows there, not hidden behind round-trip latency).
  const concurrency = Number(process.env.BENCH_COMPARE_CONCURRENCY ?? 256);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`BENCH_COMPARE_CONCURRENCY must be a whole number >= 1, not ${process.env.BENCH_COMPARE_CONCURRENCY}`);
  await theirs.engineRun(ops, concurrency);
  await ours.engineRun(ops, concurrency);
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [ours, theirs] : [theirs, ours];
    const [first, second] = [await order[0]!.engineRun(ops, concurrency), await order[1]!.engineRun(ops, concurrency)];
    const [mine, other_] = round % 2 === 0 ? [first, second] : [second, first];
    ratios.push(mine.opsPerSec / other_.opsPerSec);
    console.log(`round ${round + 1}: this ${Math.round(mine.opsPerSec)} ops/s, other ${Math.round(other_.opsPerSec)} ops/s, ratio ${(mine.opsPerSec / other_.opsPerSec).toFixed(2)}`);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  console.log(`this / other: median ${median.toFixed(3)} over ${rounds} rounds (${sorted[0]!.toFixed(2)} to ${sorted.at(-1)!.toFixed(2)})`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
