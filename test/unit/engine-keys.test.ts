// The checkpoint script builds an operation's keys from prefixes (as BullMQ's scripts build a
// job's): they must be the keys the rest of the engine uses.
import { describe, expect, it } from 'vitest';
import { Keys } from '../../src/engine/keys.ts';

describe('checkpoint key prefixes', () => {
  for (const [prefix, account] of [
    ['domainflow', 'demo'],
    ['t-1a2b', 'reseller.example:x'],
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
      // one hash tag for all of them, as the script's KEYS (the account's gate) have it
      for (const key of [job, history, cancel, domain, k.breaker, k.lockPause]) expect(key.startsWith(`{${prefix}}:`)).toBe(true);
    });
  }
});
