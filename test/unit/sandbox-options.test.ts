// Option validation: every bad value stops start-up with a message naming its flag.
import { describe, expect, it } from 'vitest';
import { parseSimFlags, resolveSimOptions, SIM_DEFAULTS, SimOptionError } from '../../src/sandbox/index.ts';

function flagOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimOptionError) return err.flag;
    throw err;
  }
  return undefined;
}

describe('resolveSimOptions', () => {
  it('fills in the documented defaults', () => {
    const o = resolveSimOptions({});
    expect(o).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      rate: SIM_DEFAULTS.rate,
      lockSeconds: SIM_DEFAULTS.lockSeconds,
      sessions: 10,
      tempFailRate: 0,
      dropRate: 0,
      latencyMs: 0,
      credit: SIM_DEFAULTS.credit,
      transferSeconds: 5,
      stateFile: undefined,
    });
    expect(Number.isInteger(o.seed)).toBe(true);
    expect(o.accounts).toEqual([{ login: 'demo', password: 'demo' }]);
  });

  it.each([
    [{ port: 70000 }, '--port'],
    [{ port: 1.5 }, '--port'],
    [{ rate: 0 }, '--rate'],
    [{ lockSeconds: -1 }, '--lock-seconds'],
    [{ sessions: 0 }, '--sessions'],
    [{ tempFailRate: 1.2 }, '--temp-fail-rate'],
    [{ dropRate: -0.1 }, '--drop-rate'],
    [{ latencyMs: Number.NaN }, '--latency-ms'],
    [{ seed: 1.5 }, '--seed'],
    [{ taken: ['ok.com', 'not ok'] }, '--taken'],
    [{ credit: -5 }, '--credit'],
    [{ transferSeconds: -1 }, '--transfer-seconds'],
    [{ stateFile: '  ' }, '--state-file'],
    [{ accounts: [{ login: 'bad:login', password: 'x' }] }, '--account'],
    [{ accounts: [{ login: 'ok', password: '' }] }, '--account'],
  ])('refuses %j naming %s', (options, flag) => {
    expect(flagOf(() => resolveSimOptions(options))).toBe(flag);
  });

  it('normalises --taken names and lets an account entry replace demo', () => {
    const o = resolveSimOptions({ taken: ['Big-Name.COM.', 'bücher.de'], accounts: [{ login: 'demo', password: 'changed' }, { login: 'x', password: 'y' }] });
    expect(o.taken).toEqual(['big-name.com', 'xn--bcher-kva.de']);
    expect(o.accounts).toEqual([
      { login: 'demo', password: 'changed' },
      { login: 'x', password: 'y' },
    ]);
  });
});

describe('parseSimFlags', () => {
  it('turns the CLI strings into options', () => {
    const o = parseSimFlags({ port: '9000', rate: '5', lockSeconds: '2', dropRate: '0.25', seed: '42', taken: 'a.com, b.com,', account: ['alice:pw:with:colons'] });
    expect(o).toMatchObject({ port: 9000, rate: 5, lockSeconds: 2, dropRate: 0.25, seed: 42, taken: ['a.com', 'b.com'], accounts: [{ login: 'alice', password: 'pw:with:colons' }] });
  });

  it('defaults the CLI port to 8765', () => {
    expect(parseSimFlags({}).port).toBe(SIM_DEFAULTS.port);
  });

  it('names the flag of a value that is not a number', () => {
    expect(flagOf(() => parseSimFlags({ rate: 'fast' }))).toBe('--rate');
    expect(flagOf(() => parseSimFlags({ latencyMs: '10ms' }))).toBe('--latency-ms');
    expect(flagOf(() => parseSimFlags({ account: ['nopassword'] }))).toBe('--account');
    expect(() => parseSimFlags({ sessions: 'many' })).toThrow('--sessions must be a number (got "many")');
  });
});
