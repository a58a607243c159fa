// renew: StatusDomain for the current expiration (skipped when the input knows
// it) -> RenewDomain with EXPIRATION = that year, the registrar's guard against
// renewing twice. StatusDomain runs again only after 555 or no reply, and
// decides by the expiration year: old + period = our renewal happened.
import { codeInfo } from '../src/codes.ts';
import type { Carried, DefiniteReply, OperationResult } from './contract.ts';
import { fail, type OpContext } from './context.ts';
import { createOperation } from './operation.ts';
import { code, finish, resend } from './branches.ts';
import { unknownState, type Branch, type StepSpec } from './step.ts';
import { expirationDate, yearOf } from './step-reply.ts';

const RENEWED = codeInfo(555)?.description ?? 'Domain already renewed';

const oldYear = (ctx: OpContext): number | undefined => yearOf(ctx.carried.expiration);
const newYear = (ctx: OpContext): number | undefined => {
  const y = oldYear(ctx);
  return y === undefined ? undefined : y + (ctx.period ?? 1);
};
const yearIs = (which: (ctx: OpContext) => number | undefined) => (r: DefiniteReply, ctx: OpContext) => {
  const y = yearOf(expirationDate(r));
  return y !== undefined && y === which(ctx);
};

/** The new expiration: the reply's, or the old date moved by the period. */
function renewed(ctx: OpContext, r: DefiniteReply, reconciled: boolean): OperationResult {
  const old = ctx.carried.expiration ?? '';
  const y = newYear(ctx);
  const date = expirationDate(r) ?? (y !== undefined && /^\d{4}/.test(old) ? `${y}${old.slice(4)}` : undefined);
  return { ...(date !== undefined ? { expirationDate: date } : {}), ...(reconciled ? { reconciled: true } : {}) };
}

/** The expiration is neither the old one nor ours: someone else renewed it. */
const renewedElsewhere: Branch = {
  label: '200 other year',
  target: 'failed',
  update: (ctx, _ev, r) => {
    const y = yearOf(expirationDate(r));
    if (y === undefined) return fail(ctx, 'protocol_error', r.code, 'StatusDomain gave no registration expiration date: cannot tell whether the renewal happened');
    return fail(ctx, 'domain_already_renewed', 555, `${RENEWED} (expiration year ${y}, expected ${oldYear(ctx)} or ${newYear(ctx)})`);
  },
};

const status = (ctx: OpContext) => ({ DOMAIN: ctx.domain });

export const renewSteps: readonly StepSpec[] = [
  {
    name: 'readExpiration',
    command: 'StatusDomain',
    changesState: false,
    params: status,
    success: [
      {
        label: '200',
        when: (r) => yearOf(expirationDate(r)) !== undefined,
        target: 'renewDomain',
        update: (ctx, _ev, r) => ({ carried: { ...ctx.carried, expiration: expirationDate(r) ?? '' } }),
      },
      {
        label: '200 without expiration date',
        target: 'failed',
        update: (ctx, _ev, r) => fail(ctx, 'protocol_error', r.code, 'StatusDomain gave no registration expiration date: the renewal has no guard year'),
      },
    ],
  },
  {
    name: 'renewDomain',
    command: 'RenewDomain',
    changesState: true,
    reconcile: 'reconcileRenew',
    params: (ctx) => ({ DOMAIN: ctx.domain, PERIOD: ctx.period ?? 1, EXPIRATION: oldYear(ctx) ?? '' }),
    success: [finish('200', undefined, (ctx, r) => renewed(ctx, r, false))],
    permanent: [{ label: '555', when: code(555), target: 'statusAfterRenewed', update: () => ({}) }],
  },
  {
    name: 'reconcileRenew',
    command: 'StatusDomain',
    changesState: false,
    params: status,
    success: [
      finish('200 year = old + period', yearIs(newYear), (ctx, r) => renewed(ctx, r, true)),
      ...resend('200 year = old: renew again', 'renewDomain', yearIs(oldYear)),
      renewedElsewhere,
    ],
  },
  {
    name: 'statusAfterRenewed',
    command: 'StatusDomain',
    changesState: false,
    params: status,
    success: [finish('200 year = old + period', yearIs(newYear), (ctx, r) => renewed(ctx, r, true)), renewedElsewhere],
  },
];

/** Steps that need the old expiration: without it a redrive reads it first. */
const NEEDS_EXPIRATION = new Set(['renewDomain', 'reconcileRenew', 'statusAfterRenewed']);

export const { machine: renewMachine, plan: renewPlan } = createOperation({
  type: 'renew',
  steps: renewSteps,
  // With the current expiration given, RenewDomain is its first command and the reconcile compares
  // against the given date; without, the date read first is what both rest on: no first effect.
  firstEffect: (input) => (input.type === 'renew' && yearOf(input.expiration) !== undefined ? 'renewDomain' : undefined),
  entries: [
    { step: 'renewDomain', label: 'input.expiration', when: (input) => input.type === 'renew' && yearOf(input.expiration) !== undefined },
    { step: 'readExpiration', label: 'start', when: () => true },
  ],
  redriveTo: (step: string, carried: Carried) => (NEEDS_EXPIRATION.has(step) && yearOf(carried.expiration) === undefined ? 'readExpiration' : step),
  // From the moment RenewDomain may have reached the registrar: ends as it says (cancelled if it did not renew).
  cancel: { noted: [unknownState('renewDomain'), 'reconcileRenew', 'statusAfterRenewed'] },
});
