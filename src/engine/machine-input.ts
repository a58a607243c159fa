// From an operation's stored data to its machine's input, with the account's
// defaults (contacts, name servers) and the engine's backoff policy.
import type { BackoffPolicy } from '../../machines/backoff.ts';
import type { Contacts, OperationInput } from '../../machines/contract.ts';
import type { OpData } from './operation.ts';

export interface AccountDefaults {
  readonly contacts?: Contacts;
  readonly nameservers?: readonly string[];
}

/** The operation's contact handles over the account's defaults; none when neither gives all four. */
function contactsOf(data: OpData, defaults: AccountDefaults): { contacts?: Contacts } {
  const { owner, admin, tech, billing } = { ...defaults.contacts, ...data.c };
  return owner && admin && tech && billing ? { contacts: { owner, admin, tech, billing } } : {};
}

export function machineInput(data: OpData, defaults: AccountDefaults, policy: BackoffPolicy, now: number): OperationInput {
  const base = { domain: data.d, policy, startedAt: now, ...(data.rd ? { redrive: data.rd } : {}) };
  const period = data.p ? { period: data.p } : {};
  switch (data.t) {
    case 'register':
      return {
        ...base,
        ...period,
        type: 'register',
        nameservers: data.ns ?? [...(defaults.nameservers ?? [])],
        ...contactsOf(data, defaults),
        ...(data.k ? { checked: true } : {}),
      };
    case 'renew':
      return { ...base, ...period, type: 'renew', ...(data.x ? { expiration: data.x } : {}) };
    case 'transfer':
      return { ...base, ...period, type: 'transfer', hasAuth: Boolean(data.s?.auth) };
    case 'delete':
      return { ...base, type: 'delete' };
  }
}
