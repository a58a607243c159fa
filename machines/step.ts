// The shared step builder. A step names one registrar command; from a StepSpec
// it builds the state that asks for it and the transitions for its reply:
//
//   uncertain outcome    state-changing command: wait, then the reconcile step
//                        (never the command again before it); otherwise: retry
//   422 abuse lock       wait lockPauseMs (the account pauses), retry; not an attempt
//   2xx                  the spec's success branches (220 reads as 200)
//   4xx, 520, 521        wait (exponential backoff, full jitter), retry the step:
//                        the registrar said the command was not executed
//   5xx                  the spec's own branches (554 -> StatusDomain ...), else
//                        `failed` with the code's type (or the spec's override)
//
// and `retries_exhausted` when the step's tries or the deadline run out.
import { classify } from '../src/codes.ts';
import { retryDelay } from './backoff.ts';
import type { DefiniteReply, OperationEvent, ParamValue, PendingCommand, ReplyEvent, WaitReason } from './contract.ts';
import { attemptsOf, exhausted, exhaustedFailure, fail, remaining, waitFor, withAttempts, type OpContext, type Patch } from './context.ts';

export const ABUSE_LOCK = 422;

/** One outcome of a step's definite reply. */
export interface Branch {
  /** The transition's description (the diagram's label). */
  readonly label: string;
  readonly when?: (reply: DefiniteReply, ctx: OpContext, ev: ReplyEvent) => boolean;
  /** A step, a waiting state, 'succeeded' or 'failed'. */
  readonly target: string;
  readonly update: (ctx: OpContext, ev: ReplyEvent, reply: DefiniteReply) => Patch;
}

export interface StepSpec {
  readonly name: string;
  readonly command: string;
  /** AddDomain, RenewDomain, TransferDomain, DeleteDomain: an uncertain outcome must be reconciled. */
  readonly changesState: boolean;
  readonly params: (ctx: OpContext) => Record<string, ParamValue>;
  /** Parameter -> secret name; the engine fills the values in. */
  readonly secrets?: (ctx: OpContext) => Record<string, string> | undefined;
  /** 2xx branches, tried in order; one without `when` catches the rest. */
  readonly success: readonly Branch[];
  /** 5xx branches tried before the generic failure (each with a `when` on the code). */
  readonly permanent?: readonly Branch[];
  /** Failure types that replace a code's own (530/531 on TransferDomain). */
  readonly failureTypes?: Readonly<Record<number, string>>;
  /** The step that decides after an uncertain outcome; required when changesState. */
  readonly reconcile?: string;
  /** A context update each time the step is entered (its request is about to be sent), besides the request. */
  readonly onEnter?: (ctx: OpContext, event: OperationEvent) => Patch;
  /** State-changing steps: a context update when the outcome is unknown (the command may have taken effect). */
  readonly onUncertain?: (ctx: OpContext) => Patch;
}

/** A transition of the machine plan: plain functions of (context, event); operation.ts makes xstate config of it. */
export interface TransitionConfig {
  readonly target: string;
  readonly guard?: (ctx: OpContext, event: OperationEvent) => boolean;
  /** The context update (an xstate `assign`). */
  readonly patch?: (ctx: OpContext, event: OperationEvent) => Patch;
  readonly description: string;
}

export interface StateConfig {
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly type?: 'final';
  /** The context update on entering the state (an xstate `assign`). */
  readonly entry?: (ctx: OpContext, event: OperationEvent) => Patch;
  readonly on?: Readonly<Record<string, readonly TransitionConfig[]>>;
  readonly always?: readonly TransitionConfig[];
}

export const waitState = (step: string): string => `${step}Wait`;
export const unknownState = (step: string): string => `${step}Unknown`;

function replyEvent(event: OperationEvent): ReplyEvent {
  if (event.type !== 'REPLY') throw new TypeError(`expected a REPLY event, got ${event.type}`);
  return event;
}

function classOf(reply: DefiniteReply): 'success' | 'temporary' | 'permanent' | 'protocol_error' {
  const c = classify(reply.code);
  return c.ok ? c.class : 'protocol_error';
}

function isRetryable(reply: DefiniteReply, ctx: OpContext): boolean {
  const cls = classOf(reply);
  return (cls === 'temporary' && reply.code !== ABUSE_LOCK) || (cls === 'permanent' && ctx.policy.retryableCodes.includes(reply.code));
}

/** Wait before trying `step` again (or before reconciling it): counts one failed try. */
function retryWait(ctx: OpContext, ev: ReplyEvent, step: string, uncertain: boolean): Patch {
  const n = attemptsOf(ctx, step);
  const computed = retryDelay(ctx.policy, ev.reply.code, uncertain, n, ev.random);
  // Never past the deadline (a reconcile still runs after it: it must).
  const delayMs = uncertain ? computed : Math.max(1, Math.min(computed, remaining(ctx, ev.now)));
  const reason: WaitReason = uncertain ? 'uncertain' : 'temporary';
  return {
    ...waitFor({ delayMs, reason, code: ev.reply.code }),
    attempts: withAttempts(ctx, step, n + 1),
    last: { code: ev.reply.code, description: ev.reply.description },
  };
}

function transition(target: string, description: string, guard: TransitionConfig['guard'], fn: (ctx: OpContext, ev: ReplyEvent) => Patch): TransitionConfig {
  const patch = (ctx: OpContext, event: OperationEvent) => fn(ctx, replyEvent(event));
  return guard ? { target, guard, patch, description } : { target, patch, description };
}

type Guard = (ctx: OpContext, ev: ReplyEvent) => boolean;
const on =
  (g: Guard): NonNullable<TransitionConfig['guard']> =>
  (ctx, event) =>
    event.type === 'REPLY' && g(ctx, event);
const definite = (ev: ReplyEvent): DefiniteReply | undefined => (ev.reply.kind === 'reply' ? ev.reply : undefined);

/** A step's own branches: taken when `accept` picks the reply and the branch's `when` holds. */
function branchTransitions(branches: readonly Branch[], accept: (ev: ReplyEvent) => DefiniteReply | undefined, base: (ctx: OpContext) => Patch = () => ({})): TransitionConfig[] {
  return branches.map((b) => {
    const when = b.when;
    return transition(
      b.target,
      b.label,
      on((ctx, ev) => {
        const r = accept(ev);
        return r !== undefined && (when === undefined || when(r, ctx, ev));
      }),
      (ctx, ev) => Object.assign(base(ctx), b.update(ctx, ev, ev.reply as DefiniteReply)),
    );
  });
}

function replyTransitions(spec: StepSpec): TransitionConfig[] {
  const { name } = spec;
  const out: TransitionConfig[] = [];
  const uncertain = (_: OpContext, ev: ReplyEvent) => ev.reply.kind === 'uncertain';
  if (spec.changesState) {
    if (!spec.reconcile) throw new Error(`step ${name}: a state-changing step needs a reconcile step`);
    const noted = spec.onUncertain;
    out.push(
      transition(unknownState(name), 'uncertain: reconcile', on(uncertain), (ctx, ev) => (noted ? Object.assign(noted(ctx), retryWait(ctx, ev, name, true)) : retryWait(ctx, ev, name, true))),
    );
  } else {
    out.push(
      transition('failed', 'uncertain, tries exhausted', on((ctx, ev) => uncertain(ctx, ev) && exhausted(ctx, name, ev.now, 1)), (ctx, ev) =>
        exhaustedFailure(ctx, ev.reply.code, ev.reply.description),
      ),
      transition(waitState(name), 'uncertain', on(uncertain), (ctx, ev) => retryWait(ctx, ev, name, true)),
    );
  }
  const lock = (_: OpContext, ev: ReplyEvent) => definite(ev)?.code === ABUSE_LOCK;
  out.push(
    transition('failed', '422, past deadline', on((ctx, ev) => lock(ctx, ev) && ev.now >= ctx.deadlineAt), (ctx, ev) =>
      exhaustedFailure(ctx, ev.reply.code, ev.reply.description),
    ),
    transition(waitState(name), '422 abuse lock', on(lock), (ctx, ev) => ({
      ...waitFor({ delayMs: ctx.policy.lockPauseMs, reason: 'abuse_lock', code: ABUSE_LOCK }),
      last: { code: ev.reply.code, description: ev.reply.description },
    })),
  );
  const success = (ev: ReplyEvent) => {
    const r = definite(ev);
    return r !== undefined && classOf(r) === 'success' ? r : undefined;
  };
  out.push(...branchTransitions(spec.success, success, (ctx) => ({ attempts: withAttempts(ctx, name, 0) })));
  if (spec.success.every((b) => b.when !== undefined)) {
    out.push(
      transition('failed', '2xx, unexpected', on((_, ev) => success(ev) !== undefined), (ctx, ev) =>
        fail(ctx, 'protocol_error', ev.reply.code, `${spec.command} answered ${ev.reply.code}, which this step does not expect`),
      ),
    );
  }
  const retryable = (ctx: OpContext, ev: ReplyEvent) => {
    const r = definite(ev);
    return r !== undefined && isRetryable(r, ctx);
  };
  out.push(
    transition('failed', '4xx/520/521, tries exhausted', on((ctx, ev) => retryable(ctx, ev) && exhausted(ctx, name, ev.now, 1)), (ctx, ev) =>
      exhaustedFailure(ctx, ev.reply.code, ev.reply.description),
    ),
    transition(waitState(name), '4xx/520/521', on(retryable), (ctx, ev) => retryWait(ctx, ev, name, false)),
  );
  out.push(...branchTransitions(spec.permanent ?? [], definite));
  const overrides = spec.failureTypes ?? {};
  const overridden = Object.keys(overrides).map(Number);
  if (overridden.length > 0) {
    const label = `${overridden.join('/')}: ${[...new Set(Object.values(overrides))].join('/')}`;
    out.push(
      transition('failed', label, on((_, ev) => overridden.includes(ev.reply.code)), (ctx, ev) =>
        fail(ctx, overrides[ev.reply.code] ?? 'protocol_error', ev.reply.code, ev.reply.description),
      ),
    );
  }
  out.push(
    transition('failed', '5xx', undefined, (ctx, ev) => {
      const c = classify(ev.reply.code);
      return fail(ctx, c.ok ? c.type : 'protocol_error', ev.reply.code, ev.reply.description);
    }),
  );
  return out;
}

/** The states of one step: the step itself, its retry wait, and (state-changing) its uncertain wait. */
export function buildStep(spec: StepSpec): Record<string, StateConfig> {
  // The codes the step's failureTypes take as the operation's own (the engine keeps the account going).
  const own = Object.keys(spec.failureTypes ?? {}).map(Number);
  const operationCodes = own.length > 0 ? own : undefined;
  const states: Record<string, StateConfig> = {
    [spec.name]: {
      tags: ['step'],
      meta: { command: spec.command, changesState: spec.changesState, ...(spec.reconcile ? { reconcile: spec.reconcile } : {}) },
      entry: (ctx, event) => {
        const secrets = spec.secrets?.(ctx);
        const request: PendingCommand = secrets
          ? { step: spec.name, command: spec.command, params: spec.params(ctx), changesState: spec.changesState, secrets }
          : { step: spec.name, command: spec.command, params: spec.params(ctx), changesState: spec.changesState };
        const patch: Patch = { step: spec.name, request: operationCodes ? { ...request, operationCodes } : request, wait: null };
        return spec.onEnter ? Object.assign(spec.onEnter(ctx, event), patch) : patch;
      },
      on: { REPLY: replyTransitions(spec) },
    },
    [waitState(spec.name)]: { tags: ['waiting'], on: { RESUME: [{ target: spec.name, description: 'resume' }] } },
  };
  if (spec.changesState && spec.reconcile) {
    states[unknownState(spec.name)] = { tags: ['waiting'], on: { RESUME: [{ target: spec.reconcile, description: 'resume: reconcile' }] } };
  }
  return states;
}

/** A waiting state between polls. */
export function pollState(target: string): StateConfig {
  return { tags: ['waiting'], on: { RESUME: [{ target, description: 'resume: poll' }] } };
}
