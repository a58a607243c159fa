import { describe, expect, it } from 'vitest';
import { bucketIndex, DURATION_BUCKETS_MS, field, parseField } from '../../src/metrics/metric-fields.ts';

describe('metric fields', () => {
  it('puts a duration in the first bucket whose bound it does not exceed', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(5)).toBe(0);
    expect(bucketIndex(6)).toBe(1);
    expect(bucketIndex(1000)).toBe(DURATION_BUCKETS_MS.indexOf(1000));
    expect(bucketIndex(30_001)).toBe(DURATION_BUCKETS_MS.length);
  });

  it('reads back every field it writes', () => {
    expect(parseField(field.command('AddDomain', 200))).toEqual({ kind: 'command', command: 'AddDomain', code: '200' });
    expect(parseField(field.bucket('AddDomain', 3))).toEqual({ kind: 'bucket', command: 'AddDomain', index: 3 });
    expect(parseField(field.durationSum('AddDomain'))).toEqual({ kind: 'durationSum', command: 'AddDomain' });
    expect(parseField(field.operation('transfer', 'failed', 'transfer_auth_invalid'))).toEqual({ kind: 'operation', type: 'transfer', outcome: 'failed', failureType: 'transfer_auth_invalid' });
    expect(parseField(field.operation('register', 'succeeded', ''))).toEqual({ kind: 'operation', type: 'register', outcome: 'succeeded', failureType: '' });
    expect(parseField('x|y')).toBeUndefined();
    expect(parseField('b|AddDomain|x')).toBeUndefined();
  });
});
