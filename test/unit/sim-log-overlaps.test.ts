// The soak run's check that no two commands on one domain overlapped in time,
// read from the sim's command log.
import { describe, expect, it } from 'vitest';
import { overlaps, type SimLogEntry } from '../helpers/sim-process.ts';

const entry = (seq: number, domain: string | undefined, start: number, end: number): SimLogEntry => ({ seq, command: `C${seq}`, ...(domain ? { domain } : {}), code: 200, start, end });

describe('overlaps', () => {
  it('finds two commands on one domain whose times overlap, in any order of the log', () => {
    expect(overlaps([entry(2, 'a.com', 15, 30), entry(1, 'a.com', 10, 20)])).toEqual(['a.com: C1 #1 and C2 #2']);
  });

  it('takes back-to-back commands, other domains and commands without one as no overlap', () => {
    expect(overlaps([entry(1, 'a.com', 10, 20), entry(2, 'a.com', 20, 25), entry(3, 'b.com', 12, 18), entry(4, undefined, 11, 19), entry(5, undefined, 12, 13)])).toEqual([]);
  });
});
