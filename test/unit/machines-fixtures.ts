// Shared data for the machine tests: inputs, the steps as the specification
// names them, and replies.
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { defaultPolicy, MACHINES, nextAction, type NextAction, type OperationInput, type OperationType, type StepReply } from '../../machines/index.ts';
import type { OperationMachine } from '../../machines/operation.ts';

export const T0 = Date.UTC(2026, 0, 1);
export const EARLY = T0 + 1_000;
/** Past every deadline of the default policy (24 h, 5 days, 10 days). */
export const LATE = T0 + 30 * 24 * 3600_000;
export const POLICY = defaultPolicy();
export const OLD = '2026-05-01 10:00:00';
export const NEW = '2027-05-01 10:00:00';
export const TYPES: readonly OperationType[] = ['register', 'renew', 'transfer', 'delete'];

/** The commands that change registrar state: an uncertain outcome must be reconciled. */
export const STATE_CHANGING: ReadonlySet<string> = new Set(['AddDomain', 'RenewDomain', 'TransferDomain', 'DeleteDomain']);

/** Every step of every machine and its command, as the specification lays them out. */
export const STEPS: Readonly<Record<OperationType, Readonly<Record<string, string>>>> = {
  register: { checkDomain: 'CheckDomain', addDomain: 'AddDomain', reconcileAdd: 'StatusDomain', recheckAdd: 'StatusDomain', statusAfterTaken: 'StatusDomain', pollRegistration: 'StatusDomain' },
  renew: { readExpiration: 'StatusDomain', renewDomain: 'RenewDomain', reconcileRenew: 'StatusDomain', statusAfterRenewed: 'StatusDomain' },
  transfer: {
    checkTransfer: 'CheckDomainTransfer',
    transferDomain: 'TransferDomain',
    reconcileTransfer: 'StatusDomainTransfer',
    pollTransfer: 'StatusDomainTransfer',
    statusAfterNoTransfer: 'StatusDomain',
    cancelTransfer: 'TransferDomain',
    statusAfterCancel: 'StatusDomainTransfer',
    domainAfterCancel: 'StatusDomain',
  },
  delete: { deleteDomain: 'DeleteDomain', reconcileDelete: 'StatusDomain' },
};

/** The reconcile step of each state-changing step. */
export const RECONCILE: Readonly<Record<string, string>> = {
  addDomain: 'reconcileAdd',
  renewDomain: 'reconcileRenew',
  transferDomain: 'reconcileTransfer',
  cancelTransfer: 'statusAfterCancel',
  deleteDomain: 'reconcileDelete',
};

/** Waiting states between polls, and the step they resume. */
export const POLLS: Readonly<Record<string, string>> = { registrationPending: 'pollRegistration', transferPending: 'pollTransfer' };

export function baseInput(type: OperationType, extra: Record<string, unknown> = {}): OperationInput {
  const common = { domain: 'example.com', policy: POLICY, startedAt: T0 };
  switch (type) {
    case 'register':
      return {
        ...common,
        type,
        period: 1,
        nameservers: ['ns1.example.net', 'ns2.example.net'],
        contacts: { owner: 'P-OWN1', admin: 'P-ADM1', tech: 'P-TEC1', billing: 'P-BIL1' },
        ...extra,
      };
    case 'renew':
      return { ...common, type, period: 1, ...extra };
    case 'transfer':
      return { ...common, type, hasAuth: true, ...extra };
    case 'delete':
      return { ...common, type, ...extra };
  }
}

/** An input that starts the machine at `step` (a redrive, with the old expiration carried). */
export function inputAt(type: OperationType, step: string): OperationInput {
  return baseInput(type, { redrive: { step, carried: { expiration: OLD } } });
}

/** Properties of a 2xx reply at each step that let the operation go on. */
export const SUCCESS_PROPS: Readonly<Record<string, Record<string, string[]>>> = {
  readExpiration: { REGISTRATIONEXPIRATIONDATE: [OLD], STATUS: ['ACTIVE'] },
  transferDomain: { TRANSFERSTATUS: ['pending'] },
  reconcileTransfer: { TRANSFERSTATUS: ['pending'] },
  pollTransfer: { TRANSFERSTATUS: ['pending'] },
  reconcileDelete: { STATUS: ['PENDINGDELETE'] },
};
export const DEFAULT_SUCCESS_PROPS = { STATUS: ['ACTIVE'], REGISTRATIONEXPIRATIONDATE: [NEW] };

export function successProps(step: string): Record<string, string[]> {
  return SUCCESS_PROPS[step] ?? DEFAULT_SUCCESS_PROPS;
}

export type Snap = SnapshotFrom<OperationMachine>;

export function start(input: OperationInput): Snap {
  return initialTransition(MACHINES[input.type], input)[0];
}

export function reply(snapshot: Snap, r: StepReply, now = EARLY, random = 0.5): Snap {
  return transition(MACHINES[snapshot.context.type], snapshot, { type: 'REPLY', reply: r, now, random })[0];
}

export function resume(snapshot: Snap, now = EARLY): Snap {
  return transition(MACHINES[snapshot.context.type], snapshot, { type: 'RESUME', now })[0];
}

export function failureOf(action: NextAction) {
  return action.kind === 'final' && action.output.status === 'failed' ? action.output.failure : undefined;
}

export { nextAction };
