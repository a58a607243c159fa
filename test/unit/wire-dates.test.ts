// The registrar's date forms, read as UTC: what a renewal's expiration may be
// given as, and a transfer's request date.
import { describe, expect, it } from 'vitest';
import { readWireDate } from '../../src/registrar/dates.ts';

describe('readWireDate', () => {
  it('reads a time, a day and a year, as UTC', () => {
    expect(readWireDate('2027-11-30 07:00:00')).toEqual({ ms: Date.UTC(2027, 10, 30, 7), precision: 'time' });
    expect(readWireDate('2027-11-30T07:05')).toEqual({ ms: Date.UTC(2027, 10, 30, 7, 5), precision: 'time' });
    expect(readWireDate(' 2028-02-29 ')).toEqual({ ms: Date.UTC(2028, 1, 29), precision: 'day' });
    expect(readWireDate('2027')).toEqual({ ms: Date.UTC(2027, 0, 1), precision: 'year' });
  });

  it.each(['2027-02-29', '2027-13-01', '2027-04-31', '2027-01-01 24:00', '2027-01-01 10:60', '2027-01-01 10:00:60', '30.11.2027', '2027-1-1', '', '2027-11-30Z'])(
    'finds no date in %j',
    (text) => {
      expect(readWireDate(text)).toBeUndefined();
    },
  );
});
