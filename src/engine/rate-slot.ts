// Waiting for a command slot of the account's rate: reserve one, and while the
// rate is used up, sleep until the next one frees, but never hold a worker for
// long, and not past a shutdown.
import type { Account } from './account.ts';

/** A job that would wait longer than this for the account's rate goes back to the queue instead. */
const BUSY_HAND_BACK_MS = 15_000;

/** What came of waiting: a slot, or what the run must do instead (`later`: hand the job back until `at`). */
export type SlotWait =
  /** `at`: when the call that took the slot (and renewed the job's lock) was sent. */
  | { readonly kind: 'go'; readonly slot: string; readonly at: number }
  | { readonly kind: 'later'; readonly at: number }
  | { readonly kind: 'breaker' }
  | { readonly kind: 'lost' }
  | { readonly kind: 'cancelled' };

/** Sleep `ms`; false when `signal` aborted it. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function waitForSlot(account: Account, id: string, token: string, shutdown: AbortSignal): Promise<SlotWait> {
  const handBackAfter = Date.now() + BUSY_HAND_BACK_MS;
  for (;;) {
    const at = Date.now();
    const slot = await account.reserve(id, token);
    if (slot.kind === 'locked') return { kind: 'later', at: Date.now() + slot.ms };
    if (slot.kind === 'go') return { ...slot, at };
    if (slot.kind !== 'busy') return slot;
    // The rate is used up for now: wait for the next free slot, but do not hold a worker for long.
    if (Date.now() + slot.ms > handBackAfter) return { kind: 'later', at: Date.now() + slot.ms };
    if (!(await sleep(slot.ms + Math.random() * 3, shutdown))) return { kind: 'later', at: Date.now() + 1_000 };
  }
}
