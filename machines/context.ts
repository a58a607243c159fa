// The machines' context: small, JSON-serialisable, without secrets. One shape for
// all four operations; the pure updates every step uses.
import { ACCOUNT_LEVEL_CODES, classify } from '../src/codes.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { Carried, Contacts, Failure, OperationInput, OperationResult, OperationType, PendingCommand, Wait } from './contract.ts';

export interface OpContext {
  readonly type: OperationType;
  readonly domain: string;
  /** Years; null when the command should not carry PERIOD (transfer without a period). */
  readonly period: number | null;
  readonly nameservers: readonly string[];
  readonly contacts: Contacts | null;
  readonly hasAuth: boolean;
  readonly policy: BackoffPolicy;
  readonly startedAt: number;
  /** No retry after it; polls end with a timeout at it. */
  readonly deadlineAt: number;
  /** The first step of this run (the default, or the redrive's). */
  readonly entry: string;
  /** The step asked for now, or the last one. */
  readonly step: string;
  /** The command the engine must send now (while in a step state). */
  readonly request: PendingCommand | null;
  /** The delay the engine must apply now (while in a waiting state). */
  readonly wait: Wait | null;
  /** Failed tries per step (4xx, 520/521, uncertain); reset by the step's 2xx. */
  readonly attempts: Readonly<Record<string, number>>;
  /** Status polls so far (transfer, pending registration). */
  readonly polls: number;
  /** The last temporary failure: what `retries_exhausted` reports. */
  readonly last: { readonly code: number; readonly description: string } | null;
  readonly carried: Carried;
  readonly result: OperationResult | null;
  readonly failure: Failure | null;
  /**
   * A user cancelled while the registrar may have acted (OperationSpec.cancel): the operation
   * ends as the registrar says, and never sends a command again that it did not carry out.
   */
  readonly cancelRequested: boolean;
}

export type Patch = Partial<OpContext>;

/** The value that makes `start` fail with `invalid_redrive`. */
export const INVALID_ENTRY = '(invalid redrive)';

export function initialContext(input: OperationInput, entry: string): OpContext {
  const policy = input.policy;
  const carried: Carried = {};
  if (input.type === 'renew' && input.expiration) carried.expiration = input.expiration;
  if (input.redrive?.carried?.expiration) carried.expiration = input.redrive.carried.expiration;
  if (typeof input.redrive?.carried?.requestedAt === 'number') carried.requestedAt = input.redrive.carried.requestedAt;
  if (typeof input.redrive?.carried?.sentAt === 'number') carried.sentAt = input.redrive.carried.sentAt;
  const period = input.type === 'delete' ? null : (input.period ?? (input.type === 'transfer' ? null : 1));
  return {
    type: input.type,
    domain: input.domain,
    period,
    nameservers: input.type === 'register' ? [...(input.nameservers ?? [])] : [],
    contacts: input.type === 'register' && input.contacts ? { ...input.contacts } : null,
    hasAuth: input.type === 'transfer' ? (input.hasAuth ?? false) : false,
    policy,
    startedAt: input.startedAt,
    deadlineAt: input.startedAt + (input.type === 'transfer' ? policy.transferDeadlineMs : policy.deadlineMs),
    entry,
    step: entry,
    request: null,
    wait: null,
    attempts: {},
    polls: 0,
    last: null,
    carried,
    result: null,
    failure: null,
    cancelRequested: false,
  };
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/**
 * A context as a checkpoint stores it: without the pending request (the step's entry makes it
 * again from the rest, see MachinePlan.restore) and without the fields that hold their
 * initial values (null, 0, false, empty). About 40% of a registration's context before
 * AddDomain (the request repeats its contacts and name servers); restoredContext puts
 * it all back. Built field by field: this runs at every checkpoint.
 */
export function storedContext(ctx: OpContext): Partial<OpContext> {
  const out: { -readonly [K in keyof OpContext]?: OpContext[K] } = { type: ctx.type, domain: ctx.domain };
  if (ctx.period !== null) out.period = ctx.period;
  if (ctx.nameservers.length > 0) out.nameservers = ctx.nameservers;
  if (ctx.contacts !== null) out.contacts = ctx.contacts;
  if (ctx.hasAuth) out.hasAuth = true;
  out.policy = ctx.policy;
  out.startedAt = ctx.startedAt;
  out.deadlineAt = ctx.deadlineAt;
  out.entry = ctx.entry;
  out.step = ctx.step;
  if (ctx.wait !== null) out.wait = ctx.wait;
  if (hasKeys(ctx.attempts)) out.attempts = ctx.attempts;
  if (ctx.polls !== 0) out.polls = ctx.polls;
  if (ctx.last !== null) out.last = ctx.last;
  if (hasKeys(ctx.carried)) out.carried = ctx.carried;
  if (ctx.result !== null) out.result = ctx.result;
  if (ctx.failure !== null) out.failure = ctx.failure;
  if (ctx.cancelRequested) out.cancelRequested = true;
  return out;
}

/**
 * A context from its stored form (or from a whole one, which it copies), in initialContext's
 * field order; `request` is null here: a step state's restore makes it again.
 */
export function restoredContext(stored: Partial<OpContext>): OpContext {
  return {
    type: stored.type!,
    domain: stored.domain!,
    period: stored.period ?? null,
    nameservers: stored.nameservers ?? [],
    contacts: stored.contacts ?? null,
    hasAuth: stored.hasAuth ?? false,
    policy: stored.policy!,
    startedAt: stored.startedAt!,
    deadlineAt: stored.deadlineAt!,
    entry: stored.entry!,
    step: stored.step!,
    request: stored.request ?? null,
    wait: stored.wait ?? null,
    attempts: stored.attempts ?? {},
    polls: stored.polls ?? 0,
    last: stored.last ?? null,
    carried: stored.carried ?? {},
    result: stored.result ?? null,
    failure: stored.failure ?? null,
    cancelRequested: stored.cancelRequested ?? false,
  };
}

export function succeed(result: OperationResult): Patch {
  return { request: null, wait: null, result };
}

/** A failure; `scope: 'account'` when the code is account-level and keeps its own type. */
export function fail(ctx: OpContext, type: string, code: number, description: string, step: string = ctx.step): Patch {
  const c = classify(code);
  const scope = ACCOUNT_LEVEL_CODES.has(code) && c.ok && c.type === type ? 'account' : 'operation';
  return { request: null, wait: null, failure: { type, code, description, step, scope } };
}

/** The step's tries or the deadline ran out; `code` and `description` are the last temporary failure's. */
export function exhaustedFailure(ctx: OpContext, code: number, description: string, step: string = ctx.step): Patch {
  return fail(ctx, 'retries_exhausted', code, description, step);
}

export function waitFor(wait: Wait): Patch {
  return { request: null, wait };
}

export function attemptsOf(ctx: OpContext, step: string): number {
  return ctx.attempts[step] ?? 0;
}

export function withAttempts(ctx: OpContext, step: string, n: number): Readonly<Record<string, number>> {
  const attempts: Record<string, number> = { ...ctx.attempts };
  attempts[step] = n;
  return attempts;
}

/** Time left before the deadline; unbounded when the engine sent no usable clock. */
export function remaining(ctx: OpContext, now: number): number {
  return Number.isFinite(now) ? ctx.deadlineAt - now : Number.POSITIVE_INFINITY;
}

/** No more tries of `step`: its failed tries reached maxAttempts, or the deadline passed. */
export function exhausted(ctx: OpContext, step: string, now: number, pending = 0): boolean {
  return attemptsOf(ctx, step) + pending >= ctx.policy.maxAttempts || now >= ctx.deadlineAt;
}
