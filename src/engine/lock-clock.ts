// How long a run's registrar command stays its own. A job's lock lasts lockMs from
// the last time it was set or renewed to its full duration; before that no other
// worker can take the job over. So a command leaves within half of that or not at
// all (CallOptions.sendBy), and a request still going at four fifths of it is
// given up, its connection destroyed (abandonBy): nothing of it reaches the
// registrar after another worker may have started to look. BullMQ renews the lock
// too, but says so only when that fails; the times known here are the run's own:
// the job's fetch (BullMQ's processedOn, the fetch's own time) and each checkpoint
// or rate slot asked for since (their scripts renew the lock).
import type { CallOptions } from '../registrar/client.ts';

export class LockClock {
  private from: number;
  /** Reused for every command of the run: the call's options. */
  private readonly options = { sendBy: 0, abandonBy: 0 };

  constructor(
    fetchedAt: number,
    private readonly lockMs: number,
  ) {
    this.from = fetchedAt;
  }

  /** The lock was renewed to its full duration by a call sent at `at`. */
  renewed(at: number): void {
    if (at > this.from) this.from = at;
  }

  /** The options of a command about to be sent now. */
  fence(): CallOptions {
    this.options.sendBy = this.from + this.lockMs / 2;
    this.options.abandonBy = this.from + (this.lockMs * 4) / 5;
    return this.options;
  }
}
