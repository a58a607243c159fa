// The simulator's clock: real time plus an offset that tests move forward, so
// expirations, locks, sessions and transfers can be tested without waiting.

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

export class SimClock {
  private offset: number;

  constructor(offsetMs = 0) {
    this.offset = offsetMs;
  }

  now(): number {
    return Date.now() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }

  /** Only forwards: a clock going back would let a lock or a pending transfer un-happen. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`the sim clock only moves forward (got ${ms} ms)`);
    this.offset += ms;
  }

  setOffset(ms: number): void {
    this.offset = ms;
  }
}

/** `2027-11-30 07:00:00` (UTC), the registrar's date format. */
export function wireDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** The same day and time `years` later; 29 February becomes 28 February in a common year. */
export function addYears(ms: number, years: number): number {
  const d = new Date(ms);
  const month = d.getUTCMonth();
  d.setUTCFullYear(d.getUTCFullYear() + years);
  if (d.getUTCMonth() !== month) d.setUTCDate(0);
  return d.getTime();
}

export function yearOf(ms: number): number {
  return new Date(ms).getUTCFullYear();
}

/** Roughly how many years lie between two instants (for the 10-year horizon). */
export function yearsBetween(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / YEAR_MS;
}
