// The backoff policy: full jitter with a floor, per-code ranges, attempts,
// deadlines, the 422 pause, poll growth, and the environment overrides.
import { describe, expect, it } from 'vitest';
import { backoffPolicySchema, defaultPolicy, policyFromEnv, pollDelay, retryDelay, type BackoffPolicy } from '../../machines/backoff.ts';
import { drive, replyOf, script } from '../../machines/drive.ts';
import { MACHINES, nextAction } from '../../machines/index.ts';
import { baseInput, EARLY, reply, resume, start } from './machines-fixtures.ts';

const P = defaultPolicy();

describe('delays', () => {
  it('full jitter: between the floor and min(cap, base * 2^attempt), never 0', () => {
    expect(retryDelay(P, 421, false, 0, 0)).toBe(P.temporary.baseMs * P.floorRatio);
    expect(retryDelay(P, 421, false, 0, 0.999999)).toBeLessThanOrEqual(P.temporary.baseMs);
    expect(retryDelay(P, 421, false, 3, 0.5)).toBe(0.5 * P.temporary.baseMs * 8);
    expect(retryDelay(P, 421, false, 30, 0.999999)).toBeLessThanOrEqual(P.temporary.capMs);
    expect(retryDelay(P, 421, true, 0, 0.5)).toBe(0.5 * P.uncertain.baseMs);
    for (const random of [0, 0.3, Number.NaN, -1, 2]) expect(retryDelay({ ...P, floorRatio: 0.0001 }, 421, false, 0, random)).toBeGreaterThan(0);
  });

  it('a per-code range overrides the class range', () => {
    const policy: BackoffPolicy = { ...P, codes: { '421': { baseMs: 100, capMs: 100 } } };
    expect(retryDelay(policy, 421, false, 5, 0.5)).toBe(50);
    expect(retryDelay(policy, 420, false, 0, 0.5)).toBe(P.temporary.baseMs / 2);
  });

  it('polls double up to the cap, with a small jitter', () => {
    expect([0, 1, 2].map((n) => pollDelay(P, n, 0.5))).toEqual([60_000, 120_000, 240_000]);
    expect(pollDelay(P, 50, 0.5)).toBe(P.poll.capMs);
    expect(pollDelay(P, 0, 0)).toBe(60_000 * (1 - P.poll.jitter));
  });
});

describe('attempts and deadlines in the machines', () => {
  it('the step fails with retries_exhausted and the last code after maxAttempts failed tries', () => {
    const replies = [replyOf(420), ...Array.from({ length: P.maxAttempts - 1 }, () => replyOf(421))];
    const r = drive(MACHINES.delete, baseInput('delete'), script(replies));
    expect(r.waits).toHaveLength(P.maxAttempts - 1);
    expect(r.output).toEqual({
      status: 'failed',
      failure: { type: 'retries_exhausted', code: 421, description: replies[1]?.kind === 'reply' ? replies[1].description : '', step: 'deleteDomain', scope: 'operation' },
      redrive: { step: 'deleteDomain', carried: {} },
    });
  });

  it('422 waits the lock pause and is not an attempt', () => {
    let snap = start(baseInput('delete'));
    for (let i = 0; i < 3 * P.maxAttempts; i++) {
      snap = reply(snap, replyOf(422));
      expect(nextAction(snap)).toEqual({ kind: 'wait', delayMs: P.lockPauseMs, reason: 'abuse_lock', code: 422 });
      snap = resume(snap);
    }
    expect(snap.context.attempts).toEqual({});
  });

  it('no wait reaches past the deadline, and a reply after it ends the retries', () => {
    const input = baseInput('delete');
    const nearEnd = input.startedAt + P.deadlineMs - 1_000;
    const snap = reply(start(input), replyOf(421), nearEnd, 0.999);
    expect(nextAction(snap)).toMatchObject({ kind: 'wait', delayMs: 1_000 });
    const after = reply(resume(snap, nearEnd + 1_000), replyOf(421), nearEnd + 1_000);
    expect(nextAction(after)).toMatchObject({ kind: 'final', output: { failure: { type: 'retries_exhausted' } } });
    expect(EARLY).toBeLessThan(nearEnd);
  });

  it('a clock or random number the engine got wrong still gives a usable delay', () => {
    for (const [now, random] of [[Number.NaN, Number.NaN], [EARLY, Number.POSITIVE_INFINITY], [Number.NaN, 0.5]] as const) {
      const action = nextAction(reply(start(baseInput('delete')), replyOf(421), now, random));
      expect(action.kind === 'wait' && Number.isFinite(action.delayMs) && action.delayMs > 0).toBe(true);
    }
  });

  it('520 and 521 are retried only while the policy lists them', () => {
    expect(nextAction(reply(start(baseInput('delete')), replyOf(521)))).toMatchObject({ kind: 'wait', reason: 'temporary', code: 521 });
    const strict = baseInput('delete', { policy: { ...P, retryableCodes: [] } });
    expect(nextAction(reply(start(strict), replyOf(521)))).toMatchObject({ kind: 'final', output: { failure: { type: 'too_many_sessions' } } });
  });
});

describe('policyFromEnv', () => {
  it('without variables: the defaults, which the schema accepts', () => {
    expect(policyFromEnv({})).toEqual(P);
    expect(backoffPolicySchema.safeParse(P).success).toBe(true);
  });

  it('applies the overrides, keeping base <= cap', () => {
    const p = policyFromEnv({ DOMAINFLOW_BACKOFF_BASE_MS: '20', DOMAINFLOW_LOCK_PAUSE_MS: '500', DOMAINFLOW_POLL_BASE_MS: '50' });
    expect(p.temporary).toEqual({ baseMs: 20, capMs: 1280 });
    expect(p.uncertain).toEqual({ baseMs: 20, capMs: 1280 });
    expect(p.lockPauseMs).toBe(500);
    expect(p.poll).toMatchObject({ baseMs: 50, capMs: 18_000 });
    expect(policyFromEnv({ DOMAINFLOW_BACKOFF_CAP_MS: '2000' }).uncertain).toEqual({ baseMs: 2000, capMs: 2000 });
    expect(backoffPolicySchema.safeParse(p).success).toBe(true);
  });

  it('a bad value throws an error naming the variable', () => {
    expect(() => policyFromEnv({ DOMAINFLOW_BACKOFF_BASE_MS: 'abc' })).toThrow(/^DOMAINFLOW_BACKOFF_BASE_MS: .*"abc"/);
    expect(() => policyFromEnv({ DOMAINFLOW_LOCK_PAUSE_MS: '0' })).toThrow(/^DOMAINFLOW_LOCK_PAUSE_MS: must be a positive/);
    expect(() => policyFromEnv({ DOMAINFLOW_POLL_BASE_MS: '-5' })).toThrow(/^DOMAINFLOW_POLL_BASE_MS: /);
    expect(() => policyFromEnv({ DOMAINFLOW_BACKOFF_BASE_MS: '5000', DOMAINFLOW_BACKOFF_CAP_MS: '10' })).toThrow(/^DOMAINFLOW_BACKOFF_CAP_MS: must be >= /);
  });
});
