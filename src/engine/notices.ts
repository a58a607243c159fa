// Notices to the processes running an account's operations, on a Redis channel
// (Keys.noticeChannel) that GateView's connection also listens to: an operation
// was cancelled ('c' + id, published by Cancels), or an operation waits for
// another's domain ('w' + the owner's id, published by the claim scripts). A run
// that knows of neither may send its first effect without a checkpoint (see
// first-run.ts), and hands its domain on as it ends when it heard of a
// waiter. Notices are hints, never the authority: the cancel flag and the waiting
// set in Redis are; a missed notice costs a checkpoint or a parked operation's
// look again, not a guarantee.

/** How long a notice is kept: longer than the lock of a run that may read it, and than a parked operation's look again (PARK_MS). */
export const NOTICE_TTL_MS = 120_000;

export class Notices {
  private readonly cancels = new Map<string, number>();
  private readonly waiters = new Map<string, number>();

  /** A message of the notice channel. Unknown ones are ignored (a newer engine's). */
  heard(message: string, now = Date.now()): void {
    const id = message.slice(1);
    if (message.startsWith('c')) keep(this.cancels, id, now);
    else if (message.startsWith('w')) keep(this.waiters, id, now);
  }

  /** The operation was cancelled in the last NOTICE_TTL_MS (as far as this process heard). */
  cancelled(id: string, now = Date.now()): boolean {
    return recent(this.cancels, id, now);
  }

  /** An operation waited for this one's domain in the last NOTICE_TTL_MS (as far as this process heard). */
  waitedFor(id: string, now = Date.now()): boolean {
    return recent(this.waiters, id, now);
  }
}

function recent(map: Map<string, number>, id: string, now: number): boolean {
  const at = map.get(id);
  return at !== undefined && now - at < NOTICE_TTL_MS;
}

/** Note the notice, as the newest entry; drop the expired ones, oldest first (the map keeps insertion order). */
function keep(map: Map<string, number>, id: string, now: number): void {
  map.delete(id);
  map.set(id, now);
  for (const [old, at] of map) {
    if (now - at < NOTICE_TTL_MS) break;
    map.delete(old);
  }
}
