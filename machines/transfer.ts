// transfer: CheckDomainTransfer -> TransferDomain REQUEST (the auth code is a
// secret the engine fills in) -> StatusDomainTransfer polls with growing delays
// until approved, rejected/cancelled or the deadline. Each poll is a step: no
// worker waits. 545 while polling = no transfer in progress any more: the
// domain is either ours now (StatusDomain 200) or the transfer was dropped.
import type { DefiniteReply } from './contract.ts';
import type { OpContext } from './context.ts';
import { createOperation } from './operation.ts';
import { code, failAs, finish, pollAgain, resend } from './branches.ts';
import type { Branch, StepSpec } from './step.ts';
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
];

export const { machine: transferMachine, plan: transferPlan } = createOperation({
  type: 'transfer',
  steps: transferSteps,
  polls: { [PENDING]: 'pollTransfer' },
  entries: [{ step: 'checkTransfer', label: 'start', when: () => true }],
});
