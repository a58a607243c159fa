// How the workers' counters are kept in Redis: one hash per account
// (Keys.metrics), a field per series, the value a running total. Workers add
// to it (recorder.ts); the API reads it when scraped (exposition.ts).
//
//   c|<command>|<code>                 registrar commands answered with <code>
//   b|<command>|<i>                    commands that took <= DURATION_BUCKETS_MS[i] (i = length: more)
//   s|<command>                        total milliseconds of <command>
//   o|<type>|<outcome>|<failure type>  operations that ended (outcome succeeded, failed or cancelled)

/** Upper bounds of the command-duration histogram, in ms. */
export const DURATION_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

export const field = {
  command: (command: string, code: number) => `c|${command}|${code}`,
  bucket: (command: string, index: number) => `b|${command}|${index}`,
  durationSum: (command: string) => `s|${command}`,
  operation: (type: string, outcome: string, failureType: string) => `o|${type}|${outcome}|${failureType}`,
};

/** The histogram bucket a duration falls in (DURATION_BUCKETS_MS.length: above the last bound). */
export function bucketIndex(ms: number): number {
  for (let i = 0; i < DURATION_BUCKETS_MS.length; i++) if (ms <= DURATION_BUCKETS_MS[i]!) return i;
  return DURATION_BUCKETS_MS.length;
}

export type Series =
  | { readonly kind: 'command'; readonly command: string; readonly code: string }
  | { readonly kind: 'bucket'; readonly command: string; readonly index: number }
  | { readonly kind: 'durationSum'; readonly command: string }
  | { readonly kind: 'operation'; readonly type: string; readonly outcome: string; readonly failureType: string };

export function parseField(name: string): Series | undefined {
  const [tag, a = '', b = '', c = ''] = name.split('|');
  switch (tag) {
    case 'c':
      return { kind: 'command', command: a, code: b };
    case 'b':
      return /^\d+$/.test(b) ? { kind: 'bucket', command: a, index: Number(b) } : undefined;
    case 's':
      return { kind: 'durationSum', command: a };
    case 'o':
      return { kind: 'operation', type: a, outcome: b, failureType: c };
    default:
      return undefined;
  }
}
