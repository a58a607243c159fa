// transfer: CheckDomainTransfer -> TransferDomain REQUEST (the auth code is a
// secret the engine fills in) -> StatusDomainTransfer polls with growing delays
// until approved, rejected/cancelled or the deadline. Each poll is a step: no
// worker waits. 545 while polling = no transfer in progress any more: the
// domain is either ours now (StatusDomain 200) or the transfer was dropped.
//
// StatusDomainTransfer shows a domain's last transfer, which may have ended
// before this operation sent anything (a rejected attempt, another operation's).
// One requested more than EARLIER_BY_MS before this operation first sent a
// request that may have reached the registrar (carried.requestedAt: the first
// whose outcome was unknown, kept through resends and redrives; a request
// refused outright never got there) is such an earlier transfer: reconciling a
// request that got no reply, it means the request never got there, and it is
// sent again; after a cancel that found nothing pending, the domain decides.
// Nearer, undated or in a form not read, the transfer shown is taken as this
// operation's. The registrar's dates are read as UTC: a zone ahead of UTC only
// makes a transfer look nearer; one behind it by more than the margin would make
// this operation's own ended transfer look earlier (PROTOCOL.md names no zone).
//
// Cancel: once the request may have reached the registrar, CANCEL does not end
// the operation at once (the transfer would go on there, and be charged): it
// sends TransferDomain ACTION=CANCEL. 200 ends it `cancelled` (or succeeded,
// when the reply says the transfer was approved already); 534/545 (nothing
// pending any more) asks how the transfer ended; another refusal goes back to
// polling, so the operation ends as the transfer does. A redrive of a
// cancelled transfer starts over at checkTransfer.
import { ACCOUNT_LEVEL_CODES } from '../src/codes.ts';
import type { Carried, DefiniteReply, OperationEvent } from './contract.ts';
import { fail, type OpContext } from './context.ts';
import { createOperation } from './operation.ts';
import { code, failAs, finish, pollAgain, resend } from './branches.ts';
import { unknownState, waitState, type Branch, type StepSpec } from './step.ts';
import { expirationDate, transferRequestedBy, transferState } from './step-reply.ts';

const PENDING = 'transferPending';

const stateIs = (s: 'approved' | 'rejected' | 'pending') => (r: DefiniteReply) => transferState(r).state === s;

/** 200 with an approved transfer: the domain came in. */
const approved = (label: string) => finish(label, stateIs('approved'), (_: OpContext, r) => ({ transferStatus: transferState(r).status }));

const rejected = (label: string, when: Branch['when']) =>
  failAs(label, when, 'transfer_rejected', (r) => ({ code: r.code, description: `${r.description}; transfer status ${transferState(r).status}` }));

const NOT_OURS = 'no transfer in progress and the domain is not in this account';

/** StatusDomain after the transfer vanished from the registrar's view: 200 the domain is ours (it came in); 545 `notOurs`. */
const domainAfter = (name: string, ours: string, notOurs: Branch): StepSpec => ({
  name,
  command: 'StatusDomain',
  changesState: false,
  params: domainOnly,
  success: [
    finish(ours, undefined, (_, r) => {
      const date = expirationDate(r);
      return { transferStatus: 'completed', reconciled: true, ...(date !== undefined ? { expirationDate: date } : {}) };
    }),
  ],
  permanent: [notOurs],
});

/** The margin for clocks that differ and a request that took its time (a timeout is 30 s). */
const EARLIER_BY_MS = 10 * 60_000;

/** A StatusDomainTransfer 200 about an ended transfer requested well before this operation's first request. */
const earlierTransfer = (r: DefiniteReply, ctx: OpContext): boolean => {
  const sent = ctx.carried.requestedAt;
  if (sent === undefined || transferState(r).state === 'pending') return false;
  const requested = transferRequestedBy(r);
  return requested !== undefined && requested < sent - EARLIER_BY_MS;
};

/** Entering the request: when it is about to be sent (the engine's clock; the run's start without one). */
const aboutToSend = (ctx: OpContext, ev: OperationEvent) => ({
  carried: { ...ctx.carried, sentAt: 'now' in ev && Number.isFinite(ev.now) ? ev.now : ctx.startedAt },
});

/** The request's outcome is unknown: it may have reached the registrar then, and the first such time is kept. */
const mayHaveReached = (ctx: OpContext) => {
  const { requestedAt, sentAt } = ctx.carried;
  return requestedAt !== undefined || sentAt === undefined ? {} : { carried: { ...ctx.carried, requestedAt: sentAt } };
};

/** A StatusDomainTransfer (or TransferDomain) 200: decide by TRANSFERSTATUS. */
const byTransferStatus: Branch[] = [approved('200 approved'), rejected('200 rejected/cancelled', stateIs('rejected')), ...pollAgain('200 pending', PENDING, 'poll', 'transfer_timed_out', undefined)];

const domainOnly = (ctx: OpContext) => ({ DOMAIN: ctx.domain });

function withoutRequestTimes(carried: Carried): Carried {
  const rest = { ...carried };
  delete rest.requestedAt;
  delete rest.sentAt;
  return rest;
}

/** Ends a transfer cancelled by a user (`cancelled`): a redrive requests it again from the start. */
const cancelled = (label: string, when: Branch['when'], why: (r: DefiniteReply) => string): Branch => {
  const b: Branch = { label, target: 'failed', update: (ctx, _ev, r) => fail(ctx, 'cancelled', 0, `cancelled: ${why(r)}`, 'checkTransfer') };
  return when === undefined ? b : { ...b, when };
};
const cancelledThere = (r: DefiniteReply) => `the transfer was cancelled at the registrar (transfer status ${transferState(r).status || 'not given'})`;

export const transferSteps: readonly StepSpec[] = [
  {
    name: 'checkTransfer',
    command: 'CheckDomainTransfer',
    changesState: false,
    params: domainOnly,
    success: [
      failAs('219', code(219), 'transfer_not_available'),
      // A new request: the times of an earlier one (a redrive from the start) no longer count.
      { label: '218 (or another 2xx)', target: 'transferDomain', update: (ctx) => ({ carried: withoutRequestTimes(ctx.carried) }) },
    ],
  },
  {
    name: 'transferDomain',
    command: 'TransferDomain',
    changesState: true,
    reconcile: 'reconcileTransfer',
    onEnter: aboutToSend,
    onUncertain: mayHaveReached,
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
    success: [...resend('200 an earlier transfer: request again', 'transferDomain', earlierTransfer), ...byTransferStatus],
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
  domainAfter('statusAfterNoTransfer', '200 ours', failAs('545', code(545), 'transfer_rejected', (r) => ({ code: r.code, description: `${r.description}; ${NOT_OURS}` }))),
  {
    name: 'cancelTransfer',
    command: 'TransferDomain',
    changesState: true,
    reconcile: 'statusAfterCancel',
    params: (ctx) => ({ DOMAIN: ctx.domain, ACTION: 'CANCEL' }),
    // Whatever status the registrar names, unless approved: the cancel took.
    success: [approved('200, approved already'), cancelled('200: cancelled', undefined, cancelledThere)],
    permanent: [
      { label: '534/545 nothing pending', when: code(534, 545), target: 'statusAfterCancel', update: () => ({}) },
      // Refused (too late, not allowed): the transfer goes on, and the operation ends as it does.
      // Not an account-level code: that fails the operation as any step (redriven, the cancel goes again).
      { label: 'refused: poll on', when: (r) => !ACCOUNT_LEVEL_CODES.has(r.code), target: 'pollTransfer', update: () => ({}) },
    ],
  },
  {
    name: 'statusAfterCancel',
    command: 'StatusDomainTransfer',
    changesState: false,
    params: domainOnly,
    success: [
      // Not this operation's transfer: whether the domain came in decides.
      { label: '200 an earlier transfer', when: earlierTransfer, target: 'domainAfterCancel', update: () => ({}) },
      approved('200 approved already'),
      // Rejected by the losing side before the cancel came: that is how the transfer ended.
      rejected('200 rejected', (r) => stateIs('rejected')(r) && !/cancel/i.test(transferState(r).status)),
      cancelled('200 cancelled', stateIs('rejected'), cancelledThere),
      // Pending still, though the cancel found nothing pending: cancel again after a while.
      ...pollAgain('200 pending: cancel again', waitState('cancelTransfer'), 'poll', 'transfer_timed_out', undefined),
    ],
    permanent: [{ label: '545', when: code(545), target: 'domainAfterCancel', update: () => ({}) }],
  },
  domainAfter('domainAfterCancel', '200 ours already', cancelled('545 not ours: cancelled', code(545), () => NOT_OURS)),
];

export const { machine: transferMachine, plan: transferPlan } = createOperation({
  type: 'transfer',
  steps: transferSteps,
  polls: { [PENDING]: 'pollTransfer' },
  entries: [{ step: 'checkTransfer', label: 'start', when: () => true }],
  cancel: {
    // Cancelling already: a second cancel changes nothing.
    noted: ['cancelTransfer', 'statusAfterCancel', 'domainAfterCancel'],
    registrar: {
      step: 'cancelTransfer',
      // From the moment the request may have reached the registrar (an uncertain reply to it) on.
      from: [unknownState('transferDomain'), 'reconcileTransfer', 'pollTransfer', PENDING, 'statusAfterNoTransfer'],
    },
  },
});
