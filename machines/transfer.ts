// transfer: CheckDomainTransfer -> TransferDomain REQUEST (the auth code is a
// secret the engine fills in) -> StatusDomainTransfer polls with growing delays
// until approved, rejected/cancelled or the deadline. Each poll is a step: no
// worker waits. 545 while polling = no transfer in progress any more: the
// domain is either ours now (StatusDomain 200) or the transfer was dropped.
//
// Cancel: once the request may have reached the registrar, CANCEL does not end
// the operation at once (the transfer would go on there, and be charged): it
// sends TransferDomain ACTION=CANCEL. 200 ends it `cancelled` (or succeeded,
// when the reply says the transfer was approved already); 534/545 (nothing
// pending any more) asks how the transfer ended; another refusal goes back to
// polling, so the operation ends as the transfer does. A redrive of a
// cancelled transfer starts over at checkTransfer.
import type { DefiniteReply } from './contract.ts';
import type { OpContext } from './context.ts';
import { createOperation } from './operation.ts';
import { code, failAs, finish, pollAgain, resend } from './branches.ts';
import { fail } from './context.ts';
import { unknownState, waitState, type Branch, type StepSpec } from './step.ts';
import { expirationDate, transferState } from './step-reply.ts';

const PENDING = 'transferPending';

const stateIs = (s: 'approved' | 'rejected' | 'pending') => (r: DefiniteReply) => transferState(r).state === s;

/** A StatusDomainTransfer (or TransferDomain) 200: decide by TRANSFERSTATUS. */
const byTransferStatus: Branch[] = [
  finish('200 approved', stateIs('approved'), (_: OpContext, r) => ({ transferStatus: transferState(r).status })),
  failAs('200 rejected/cancelled', stateIs('rejected'), 'transfer_rejected', (r) => ({
    code: r.code,
    description: `${r.description}; transfer status ${transferState(r).status}`,
  })),
  ...pollAgain('200 pending', PENDING, 'poll', 'transfer_timed_out', undefined),
];

const domainOnly = (ctx: OpContext) => ({ DOMAIN: ctx.domain });

/** The failure of a transfer cancelled by a user: a redrive requests it again from the start. */
const cancelledAs = (ctx: OpContext, description: string) => fail(ctx, 'cancelled', 0, `cancelled: ${description}`, 'checkTransfer');

/** A 200 after the cancel: approved already, else cancelled (whatever status the registrar names). */
const afterCancel = (label: string): Branch[] => [
  finish(`${label}, approved already`, stateIs('approved'), (_: OpContext, r) => ({ transferStatus: transferState(r).status })),
  {
    label: `${label}: cancelled`,
    target: 'failed',
    update: (ctx, _ev, r) => cancelledAs(ctx, `the transfer was cancelled at the registrar (transfer status ${transferState(r).status || 'not given'})`),
  },
];

export const transferSteps: readonly StepSpec[] = [
  {
    name: 'checkTransfer',
    command: 'CheckDomainTransfer',
    changesState: false,
    params: domainOnly,
    success: [failAs('219', code(219), 'transfer_not_available'), { label: '218 (or another 2xx)', target: 'transferDomain', update: () => ({}) }],
  },
  {
    name: 'transferDomain',
    command: 'TransferDomain',
    changesState: true,
    reconcile: 'reconcileTransfer',
    params: (ctx) => ({ DOMAIN: ctx.domain, ACTION: 'REQUEST', ...(ctx.period !== null ? { PERIOD: ctx.period } : {}) }),
    secrets: (ctx) => (ctx.hasAuth ? { AUTH: 'auth' } : undefined),
    success: byTransferStatus,
    // A wrong auth code, not an account problem: this operation fails, the account's breaker stays closed.
    failureTypes: { 530: 'transfer_auth_invalid', 531: 'transfer_auth_invalid' },
  },
  {
    name: 'reconcileTransfer',
    command: 'StatusDomainTransfer',
    changesState: false,
    params: domainOnly,
    success: byTransferStatus,
    permanent: resend('545 no transfer: request again', 'transferDomain', code(545)),
  },
  {
    name: 'pollTransfer',
    command: 'StatusDomainTransfer',
    changesState: false,
    params: domainOnly,
    success: byTransferStatus,
    permanent: [{ label: '545', when: code(545), target: 'statusAfterNoTransfer', update: () => ({}) }],
  },
  {
    name: 'statusAfterNoTransfer',
    command: 'StatusDomain',
    changesState: false,
    params: domainOnly,
    success: [
      finish('200 ours', undefined, (_, r) => {
        const date = expirationDate(r);
        return { transferStatus: 'completed', reconciled: true, ...(date !== undefined ? { expirationDate: date } : {}) };
      }),
    ],
    permanent: [failAs('545', code(545), 'transfer_rejected', (r) => ({ code: r.code, description: `${r.description}; no transfer in progress and the domain is not in this account` }))],
  },

  {
    name: 'cancelTransfer',
    command: 'TransferDomain',
    changesState: true,
    reconcile: 'statusAfterCancel',
    params: (ctx) => ({ DOMAIN: ctx.domain, ACTION: 'CANCEL' }),
    success: afterCancel('200'),
    permanent: [
      { label: '534/545 nothing pending', when: code(534, 545), target: 'statusAfterCancel', update: () => ({}) },
      // Refused (too late, not allowed): the transfer goes on, and the operation ends as it does.
      { label: 'refused: poll on', target: 'pollTransfer', update: () => ({}) },
    ],
  },
  {
    name: 'statusAfterCancel',
    command: 'StatusDomainTransfer',
    changesState: false,
    params: domainOnly,
    success: [
      finish('200 approved already', stateIs('approved'), (_: OpContext, r) => ({ transferStatus: transferState(r).status })),
      failAs('200 rejected', (r) => stateIs('rejected')(r) && !/cancel/i.test(transferState(r).status), 'transfer_rejected', (r) => ({
        code: r.code,
        description: `${r.description}; transfer status ${transferState(r).status}`,
      })),
      {
        label: '200 cancelled',
        when: stateIs('rejected'),
        target: 'failed',
        update: (ctx, _ev, r) => cancelledAs(ctx, `the transfer was cancelled at the registrar (transfer status ${transferState(r).status})`),
      },
      // Pending still, though the cancel found nothing pending: cancel again after a while.
      ...pollAgain('200 pending: cancel again', waitState('cancelTransfer'), 'poll', 'transfer_timed_out', undefined),
    ],
    permanent: [{ label: '545', when: code(545), target: 'domainAfterCancel', update: () => ({}) }],
  },
  {
    name: 'domainAfterCancel',
    command: 'StatusDomain',
    changesState: false,
    params: domainOnly,
    success: [
      finish('200 ours already', undefined, (_, r) => {
        const date = expirationDate(r);
        return { transferStatus: 'completed', reconciled: true, ...(date !== undefined ? { expirationDate: date } : {}) };
      }),
    ],
    permanent: [
      {
        label: '545 not ours: cancelled',
        when: code(545),
        target: 'failed',
        update: (ctx) => cancelledAs(ctx, 'no transfer in progress at the registrar and the domain is not in this account'),
      },
    ],
  },
];

/** The step's states: the step, its retry wait and, when it changes state, its uncertain wait. */
const statesOf = (step: string) => [step, waitState(step), ...(transferSteps.find((s) => s.name === step)?.changesState ? [unknownState(step)] : [])];

export const { machine: transferMachine, plan: transferPlan } = createOperation({
  type: 'transfer',
  steps: transferSteps,
  polls: { [PENDING]: 'pollTransfer' },
  entries: [{ step: 'checkTransfer', label: 'start', when: () => true }],
  cancel: {
    step: 'cancelTransfer',
    // From the moment the request may have reached the registrar (an uncertain reply to it) on.
    from: [unknownState('transferDomain'), ...statesOf('reconcileTransfer'), ...statesOf('pollTransfer'), PENDING, ...statesOf('statusAfterNoTransfer')],
    during: ['cancelTransfer', 'statusAfterCancel', 'domainAfterCancel'].flatMap(statesOf),
  },
});
