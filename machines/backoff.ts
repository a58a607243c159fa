// The backoff policy, as data. It travels in the operation's input and is kept
// in the machine's context, so a restored operation keeps the policy it started
// with. All delays are computed here from the engine's clock and random number.
import { z } from 'zod';

export interface DelayRange {
  readonly baseMs: number;
  readonly capMs: number;
}

export interface BackoffPolicy {
  /** 4xx replies (the command failed before any effect) and retryableCodes. */
  readonly temporary: DelayRange;
  /** No readable reply (timeout, dropped connection): the outcome is unknown. */
  readonly uncertain: DelayRange;
  /** Per-code overrides of the range, keyed by code ('421': {...}). */
  readonly codes: Readonly<Record<string, DelayRange>>;
  /**
   * 5xx codes retried like a 4xx. 520 (server closing connection) and 521 (too
   * many sessions) are permanent by class, but the registrar did not execute
   * the command: the transport opens a new connection and the step is retried.
   */
  readonly retryableCodes: readonly number[];
  /** The smallest delay, as a fraction of the base: full jitter never gives 0. */
  readonly floorRatio: number;
  /** Failed tries (4xx, uncertain) of one step before `retries_exhausted`; 422 does not count. */
  readonly maxAttempts: number;
  /** register, renew, delete: no retry after startedAt + deadlineMs. */
  readonly deadlineMs: number;
  /** How long the account pauses after a 422 abuse lock. */
  readonly lockPauseMs: number;
  /** Status polls (transfer, pending registration): first delay, doubling up to the cap. */
  readonly poll: DelayRange & { readonly jitter: number };
  /** transfer: `transfer_timed_out` after startedAt + transferDeadlineMs. */
  readonly transferDeadlineMs: number;
  /** register: a pending registration is polled until startedAt + pendingDeadlineMs. */
  readonly pendingDeadlineMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Defaults for a real registrar: seconds to minutes, polls from a minute to six hours. */
export function defaultPolicy(): BackoffPolicy {
  return {
    temporary: { baseMs: 5 * SECOND, capMs: 5 * MINUTE },
    uncertain: { baseMs: 10 * SECOND, capMs: 5 * MINUTE },
    codes: {},
    retryableCodes: [520, 521],
    floorRatio: 0.1,
    maxAttempts: 8,
    deadlineMs: DAY,
    lockPauseMs: 5 * MINUTE,
    poll: { baseMs: MINUTE, capMs: 6 * HOUR, jitter: 0.1 },
    transferDeadlineMs: 10 * DAY,
    pendingDeadlineMs: 5 * DAY,
  };
}

const positive = z.number().int().positive();
const range = z.object({ baseMs: positive, capMs: positive }).refine((r) => r.capMs >= r.baseMs, 'capMs must be >= baseMs');

/** Validates a policy read back from JSON (job data, a configuration file). */
export const backoffPolicySchema = z.object({
  temporary: range,
  uncertain: range,
  codes: z.record(z.string().regex(/^[245]\d\d$/), range),
  retryableCodes: z.array(z.number().int().min(500).max(599)),
  floorRatio: z.number().gt(0).max(1),
  maxAttempts: positive,
  deadlineMs: positive,
  lockPauseMs: positive,
  poll: z.object({ baseMs: positive, capMs: positive, jitter: z.number().min(0).max(0.5) }).refine((r) => r.capMs >= r.baseMs, 'capMs must be >= baseMs'),
  transferDeadlineMs: positive,
  pendingDeadlineMs: positive,
});

const ENV_MS = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a whole number of milliseconds')
  .transform(Number)
  .refine((n) => n > 0 && Number.isSafeInteger(n), 'must be a positive number of milliseconds');

function readMs(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const parsed = ENV_MS.safeParse(raw);
  if (!parsed.success) throw new Error(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(raw.slice(0, 40))})`);
  return parsed.data;
}

function readCount(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new Error(`${name}: must be a whole number >= 1 (got ${JSON.stringify(raw.slice(0, 40))})`);
  return Number(raw);
}

/**
 * The default policy with the environment's overrides: DOMAINFLOW_BACKOFF_BASE_MS
 * and DOMAINFLOW_BACKOFF_CAP_MS (the 4xx and uncertain-outcome backoff),
 * DOMAINFLOW_LOCK_PAUSE_MS, DOMAINFLOW_POLL_BASE_MS, DOMAINFLOW_MAX_ATTEMPTS (failed
 * tries of one step before retries_exhausted). A bad value throws an
 * error naming the variable.
 */
export function policyFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): BackoffPolicy {
  const base = defaultPolicy();
  const baseMs = readMs(env, 'DOMAINFLOW_BACKOFF_BASE_MS');
  const capMs = readMs(env, 'DOMAINFLOW_BACKOFF_CAP_MS');
  const lockPauseMs = readMs(env, 'DOMAINFLOW_LOCK_PAUSE_MS');
  const pollBaseMs = readMs(env, 'DOMAINFLOW_POLL_BASE_MS');
  const maxAttempts = readCount(env, 'DOMAINFLOW_MAX_ATTEMPTS');
  if (baseMs !== undefined && capMs !== undefined && capMs < baseMs) {
    throw new Error(`DOMAINFLOW_BACKOFF_CAP_MS: must be >= DOMAINFLOW_BACKOFF_BASE_MS (${capMs} < ${baseMs})`);
  }
  // One of the two given: the other follows it, so that base <= cap always holds.
  const range = (r: DelayRange): DelayRange => {
    const b = baseMs ?? (capMs !== undefined ? Math.min(r.baseMs, capMs) : r.baseMs);
    const c = capMs ?? (baseMs !== undefined ? Math.max(b, Math.min(r.capMs, b * 64)) : r.capMs);
    return { baseMs: b, capMs: c };
  };
  const temporary = range(base.temporary);
  // A short first poll (tests, demos) keeps the default ratio of cap to base (6 h / 1 min).
  const poll =
    pollBaseMs === undefined ? base.poll : { ...base.poll, baseMs: pollBaseMs, capMs: Math.max(pollBaseMs, Math.min(base.poll.capMs, pollBaseMs * 360)) };
  return {
    ...base,
    temporary,
    uncertain: range(base.uncertain),
    lockPauseMs: lockPauseMs ?? base.lockPauseMs,
    maxAttempts: maxAttempts ?? base.maxAttempts,
    poll,
  };
}

/** A number in [0, 1) whatever the engine sent. */
function unit(random: number): number {
  return Number.isFinite(random) ? Math.min(Math.max(random, 0), 0.999999) : 0.5;
}

/** The range for a failure: a per-code override, or the class's range. */
export function rangeFor(policy: BackoffPolicy, code: number, uncertain: boolean): DelayRange {
  return policy.codes[String(code)] ?? (uncertain ? policy.uncertain : policy.temporary);
}

/**
 * Exponential backoff with full jitter: random * min(cap, base * 2^attempt),
 * never below floorRatio * base (and never 0). `attempt` counts the step's
 * earlier failed tries, from 0.
 */
export function retryDelay(policy: BackoffPolicy, code: number, uncertain: boolean, attempt: number, random: number): number {
  const r = rangeFor(policy, code, uncertain);
  const ceiling = Math.min(r.capMs, r.baseMs * 2 ** Math.min(attempt, 40));
  const floor = Math.max(1, Math.ceil(r.baseMs * policy.floorRatio));
  return Math.max(floor, Math.floor(unit(random) * ceiling));
}

/** The delay before status poll number `poll` (from 0): base * 2^poll up to the cap, +-jitter. */
export function pollDelay(policy: BackoffPolicy, poll: number, random: number): number {
  const d = Math.min(policy.poll.capMs, policy.poll.baseMs * 2 ** Math.min(poll, 40));
  const spread = 1 - policy.poll.jitter + 2 * policy.poll.jitter * unit(random);
  return Math.max(1, Math.round(d * spread));
}
