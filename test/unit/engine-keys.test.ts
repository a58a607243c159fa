// The checkpoint script builds an operation's keys from prefixes (as BullMQ's scripts build a
// job's): they must be the keys the rest of the engine uses.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/engine/config.ts';
import { Keys } from '../../src/engine/keys.ts';

describe('checkpoint key prefixes', () => {
  for (const [prefix, account] of [
    ['domainflow', 'demo'],
    ['t-1a2b', 'reseller.example:x'],
    ['{df-cluster}', 'demo'],
  ] as const) {
    it(`build the same keys as Keys for ${prefix}/${account}`, () => {
      const k = new Keys(prefix, account);
      const [job, history, cancel, domain] = k.checkpointPrefixes;
      const id = 'op_AbC-123';
      const name = 'xn--bcher-kva.example';
      expect(job + id).toBe(k.job(id));
      expect(`${job}${id}:lock`).toBe(k.jobLock(id));
      expect(history + id).toBe(k.history(id));
      expect(cancel + id).toBe(k.cancel(id));
      expect(`${domain}${name}:owner`).toBe(k.domainLock(name));
      expect(`${domain}${name}:waiting`).toBe(k.domainQueue(name));
      // every key starts with the prefix as given (and so shares its hash tag, when it has one)
      for (const key of [job, history, cancel, domain, k.breaker, k.lockPause, k.bull('wait'), k.operations]) expect(key.startsWith(`${prefix}:`)).toBe(true);
    });
  }
});

describe('DOMAINFLOW_PREFIX', () => {
  it('is taken as given, with at most one hash tag; anything else is refused naming the variable', () => {
    for (const good of ['domainflow', 'df-test:1', '{domainflow}', 'acme{df}', 'a']) expect(loadConfig({ DOMAINFLOW_PREFIX: good }).prefix).toBe(good);
    for (const bad of ['two words', '{a}{b}', '{}', 'a{b', 'a}b', 'x*', 'p'.repeat(65)]) {
      expect(() => loadConfig({ DOMAINFLOW_PREFIX: bad }), bad).toThrow(/DOMAINFLOW_PREFIX must be 1-64 characters/);
    }
  });
});
