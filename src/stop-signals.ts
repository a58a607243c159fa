// Stopping on Ctrl-C or SIGTERM. In a terminal one Ctrl-C often arrives twice (the
// terminal signals the whole process group, and npm or npx forward it to their
// child as well), and a process manager may repeat SIGTERM. The handlers stay
// attached: with `process.once` Node stops listening after the first signal, and
// the next one would kill the process outright, in the middle of its clean stop.

/** Call `stop` on the first SIGINT or SIGTERM; hand each later one to `again` (ignored without it). */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void, again?: (signal: NodeJS.Signals, sinceFirstMs: number) => void): void {
  let first: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = Date.now();
      stop(signal);
    } else {
      again?.(signal, Date.now() - first);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
