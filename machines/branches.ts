// Branches the machines compose their steps from: finish, fail as a type,
// send a state-changing command again after a reconcile said it did not
// happen, poll again while pending.
import { pollDelay } from './backoff.ts';
import type { DefiniteReply, OperationResult } from './contract.ts';
import { exhausted, exhaustedFailure, fail, succeed, waitFor, type OpContext } from './context.ts';
import type { Branch } from './step.ts';

/**
 * Branches for "the command did not happen": send it again, or give up when its tries ran out,
 * or end `cancelled` when a user cancelled meanwhile (the command is not sent again).
 */
export function resend(label: string, step: string, when?: Branch['when']): Branch[] {
  const again: Branch = { label, target: step, update: () => ({}) };
  return [
    {
      label: `${label}, cancelled`,
      when: (r, ctx, ev) => ctx.cancelRequested && (when === undefined || when(r, ctx, ev)),
      target: 'failed',
      update: (ctx) => fail(ctx, 'cancelled', 0, `cancelled: by a user, before the registrar carried out ${step}`, step),
    },
    {
      label: `${label}, tries exhausted`,
      when: (r, ctx, ev) => (when === undefined || when(r, ctx, ev)) && exhausted(ctx, step, ev.now),
      target: 'failed',
      update: (ctx, ev) => exhaustedFailure(ctx, ctx.last?.code ?? ev.reply.code, ctx.last?.description ?? ev.reply.description, step),
    },
    when === undefined ? again : { ...again, when },
  ];
}

/**
 * Branches for "still pending": poll again after a growing delay, or time out
 * at the deadline. `deadline` gives the poll's deadline (it may extend the
 * operation's: a pending registration is polled for days, not hours).
 */
export function pollAgain(
  label: string,
  waiting: string,
  reason: 'poll' | 'pending',
  timeoutType: string,
  when: Branch['when'],
  deadline: (ctx: OpContext) => number = (ctx) => ctx.deadlineAt,
): Branch[] {
  const again: Branch = {
    label,
    target: waiting,
    update: (ctx, ev) => {
      const deadlineAt = deadline(ctx);
      const delayMs = Math.max(1, Math.min(pollDelay(ctx.policy, ctx.polls, ev.random), Number.isFinite(ev.now) ? deadlineAt - ev.now : Infinity));
      return { ...waitFor({ delayMs, reason }), polls: ctx.polls + 1, deadlineAt };
    },
  };
  return [
    {
      label: `${label}, past deadline`,
      when: (r, ctx, ev) => (when === undefined || when(r, ctx, ev)) && ev.now >= deadline(ctx),
      target: 'failed',
      update: (ctx, _ev, r) => fail(ctx, timeoutType, r.code, `${r.description}; still pending at the deadline`),
    },
    when === undefined ? again : { ...again, when },
  ];
}

export function finish(label: string, when: Branch['when'], result: (ctx: OpContext, reply: DefiniteReply) => OperationResult): Branch {
  return when === undefined
    ? { label, target: 'succeeded', update: (ctx, _ev, r) => succeed(result(ctx, r)) }
    : { label, when, target: 'succeeded', update: (ctx, _ev, r) => succeed(result(ctx, r)) };
}

export function failAs(label: string, when: Branch['when'], type: string, code?: (r: DefiniteReply) => { code: number; description: string }): Branch {
  const b: Branch = {
    label,
    target: 'failed',
    update: (ctx, _ev, r) => {
      const c = code ? code(r) : r;
      return fail(ctx, type, c.code, c.description);
    },
  };
  return when === undefined ? b : { ...b, when };
}

export const code =
  (...codes: number[]): NonNullable<Branch['when']> =>
  (r) =>
    codes.includes(r.code);
