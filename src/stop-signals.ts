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

/** A stop gives up waiting for in-flight steps once Redis has been out of reach this long. */
export const UNREACHABLE_STOP_MS = 5_000;

/**
 * `close()` (a worker finishing or handing back its steps), unless Redis is out of reach for
 * `ms` meanwhile: nothing can be handed back to a Redis that is gone, and BullMQ's close would
 * wait for it forever. Then 'abandoned' (the caller drops its connections; the operations in
 * flight are taken over after the stall time once Redis is back, their checkpoints make that safe).
 */
export function closeUnlessRedisGone(reachable: () => boolean, close: () => Promise<void>, ms = UNREACHABLE_STOP_MS): Promise<'closed' | 'abandoned'> {
  return new Promise((resolve, reject) => {
    let since: number | undefined;
    const watch = setInterval(() => {
      if (reachable()) since = undefined;
      else since ??= Date.now();
      if (since !== undefined && Date.now() - since >= ms) {
        clearInterval(watch);
        resolve('abandoned');
      }
    }, 250);
    close().then(
      () => {
        clearInterval(watch);
        resolve('closed');
      },
      (err: unknown) => {
        clearInterval(watch);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
