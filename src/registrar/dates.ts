// The registrar's dates: 'YYYY-MM-DD hh:mm:ss' (also with a T, without the
// seconds, a day alone or a year alone), read as UTC. The one reading of them
// for what the engine is given (a renewal's expiration) and what it is told (a
// transfer's request date).

export interface WireDate {
  /** The moment it names (its start, for a day or a year alone), ms since the epoch. */
  readonly ms: number;
  readonly precision: 'year' | 'day' | 'time';
}

const FORM = /^(\d{4})(?:-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?)?$/;

/** A date in one of the registrar's forms; undefined for another form, or one that names no real day or time (2027-02-30, 24:00). */
export function readWireDate(text: string): WireDate | undefined {
  const m = FORM.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v))) as [number, number?, number?, number?, number?, number?];
  if (mo === undefined || d === undefined) return { ms: Date.UTC(y, 0, 1), precision: 'year' };
  const day = Date.UTC(y, mo - 1, d);
  const date = new Date(day);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  if (h === undefined || mi === undefined) return { ms: day, precision: 'day' };
  if (h > 23 || mi > 59 || (s ?? 0) > 59) return undefined;
  return { ms: day + ((h * 60 + mi) * 60 + (s ?? 0)) * 1000, precision: 'time' };
}
