// From an operation's stored data to its machine's input, with the account's
// defaults (contacts, name servers) and the engine's backoff policy.
import type { BackoffPolicy } from '../../machines/backoff.ts';
import type { Contacts, OperationInput } from '../../machines/contract.ts';
import type { OpData } from './operation.ts';

export interface AccountDefaults {
  readonly contacts?: Contacts;
  readonly nameservers?: readonly string[];
}

/** The operation's contact handles over the account's defaults; a role neither gives is left out. */
function contactsOf(data: OpData, defaults: AccountDefaults): { contacts?: Contacts } {
  const given = data.c;
  const fallback = defaults.contacts;
  if (!given && !fallback) return {};
  const contacts: { owner?: string; admin?: string; tech?: string; billing?: string } = {};
  for (const role of ['owner', 'admin', 'tech', 'billing'] as const) {
    const handle = given?.[role] ?? fallback?.[role];
    if (handle) contacts[role] = handle;
  }
  return Object.keys(contacts).length > 0 ? { contacts } : {};
}

// Built by assignment rather than with conditional spreads: this runs once per operation run,
// and V8 copies spread objects property by property.
export function machineInput(data: OpData, defaults: AccountDefaults, policy: BackoffPolicy, now: number): OperationInput {
  const input: Record<string, unknown> = { type: data.t, domain: data.d, policy, startedAt: now };
  if (data.rd) input['redrive'] = data.rd;
  if (data.p && data.t !== 'delete') input['period'] = data.p;
  switch (data.t) {
    case 'register': {
      input['nameservers'] = data.ns ?? [...(defaults.nameservers ?? [])];
      const { contacts } = contactsOf(data, defaults);
      if (contacts) input['contacts'] = contacts;
      if (data.k) input['checked'] = true;
      break;
    }
    case 'renew':
      if (data.x) input['expiration'] = data.x;
      break;
    case 'transfer':
      input['hasAuth'] = Boolean(data.s?.auth);
      break;
    case 'delete':
      break;
  }
  return input as unknown as OperationInput;
}
