// Stopping on Ctrl-C or SIGTERM. In a terminal one Ctrl-C often arrives twice (the
// terminal signals the whole process group, and npm or npx forward it to their
// child as well), and a process manager may repeat SIGTERM. The handlers stay
// attached: with `process.once` Node stops listening after the first signal, and
// the next one would kill the process outright, in the middle of its clean stop.
// A signal that comes later than that (someone pressing Ctrl-C again because the
// clean stop takes too long) stops the process at once.

/** A second signal this soon after the first is the same one, forwarded: ignored. */
export const REPEAT_MS = 2_000;

/**
 * Call `stop` on the first SIGINT or SIGTERM; on one more than REPEAT_MS later, call `force`
 * (by default: exit 1 at once). Returns what takes the handlers off again.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void, force: (signal: NodeJS.Signals) => void = () => process.exit(1)): () => void {
  let first: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = Date.now();
      stop(signal);
    } else if (Date.now() - first >= REPEAT_MS) {
      force(signal);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
