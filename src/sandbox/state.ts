// The registry's records and its initial state. Plain data (Maps of plain
// objects) so that the state file can write and read it as JSON.
import { randomBytes } from 'node:crypto';
import { addYears } from './clock.ts';
import { defaultContactHandles, OTHER_ACCOUNTS, SEEDED_TAKEN_NAMES, SIM_DEFAULTS, type ContactHandles } from './defaults.ts';

export interface AccountRecord {
  readonly login: string;
  readonly password: string;
  credit: number;
  readonly contacts: ContactHandles;
}

export interface DomainRecord {
  readonly name: string;
  owner: string;
  created: number;
  updated: number;
  expires: number;
  /** ACTIVE plus client/server flags (clientTransferProhibited, clientDeleteProhibited ...). */
  status: string[];
  nameservers: string[];
  contacts: ContactHandles;
  /** Admin contacts beyond the first (ADMINCONTACT1..2), when given. */
  admins?: string[];
  auth: string;
}

export interface ContactRecord {
  readonly handle: string;
  readonly owner: string;
  readonly created: number;
  readonly fields: Readonly<Record<string, string>>;
}

export interface NameserverRecord {
  readonly host: string;
  readonly owner: string;
  readonly created: number;
  readonly ips: readonly string[];
}

export type TransferStatus = 'pending' | 'clientApproved' | 'serverApproved' | 'clientRejected' | 'clientCancelled';

export interface TransferRecord {
  readonly id: number;
  readonly domain: string;
  readonly gaining: string;
  readonly losing: string;
  readonly period: number;
  readonly requested: number;
  /** When the losing side's silence approves it (sim clock). */
  readonly due: number;
  /** Credit taken at the request, given back when it does not go through. */
  readonly charged: number;
  status: TransferStatus;
  finished?: number;
}

export interface EffectCounts {
  registered: number;
  renewed: number;
  transferred: number;
  deleted: number;
}

export interface RegistryState {
  readonly accounts: Map<string, AccountRecord>;
  readonly domains: Map<string, DomainRecord>;
  readonly contacts: Map<string, ContactRecord>;
  readonly nameservers: Map<string, NameserverRecord>;
  /** Every transfer of a domain, oldest first. */
  readonly transfers: Map<string, TransferRecord[]>;
  readonly effects: Map<string, EffectCounts>;
  /** Names whose transfers the losing side denies (POST /_sim/transfer-policy). */
  denyTransfers: Set<string>;
  nextContact: number;
  nextTransfer: number;
}

export interface AccountSpec {
  readonly login: string;
  readonly password: string;
  readonly credit?: number;
}

export interface InitialStateSpec {
  readonly accounts: readonly AccountSpec[];
  /** Extra names held by other accounts (`--taken`), already normalised. */
  readonly taken: readonly string[];
  readonly credit: number;
}

export function newAuthCode(): string {
  return randomBytes(9).toString('base64url');
}

function contact(handle: string, owner: string, now: number, role: string): ContactRecord {
  const fields = {
    firstname: owner === SIM_DEFAULTS.login ? 'Demo' : owner,
    lastname: role,
    organization: 'domainflow simulated registrar',
    street: '1 Example Street',
    city: 'Berlin',
    zip: '10115',
    country: 'DE',
    phone: '+49.301234567',
    email: `${role.toLowerCase()}@domainflow.test`,
  };
  return { handle, owner, created: now, fields };
}

/** A name held by another account: old, a year left, the documented auth code. */
export function foreignDomain(name: string, now: number): DomainRecord {
  return {
    name,
    owner: OTHER_ACCOUNTS,
    created: addYears(now, -5),
    updated: addYears(now, -1),
    expires: addYears(now, 1),
    status: ['ACTIVE'],
    nameservers: [...SIM_DEFAULTS.nameservers],
    contacts: defaultContactHandles('others'),
    auth: SIM_DEFAULTS.foreignAuthCode,
  };
}

export function emptyEffects(): EffectCounts {
  return { registered: 0, renewed: 0, transferred: 0, deleted: 0 };
}

export function addAccount(state: RegistryState, spec: AccountSpec, credit: number, now: number): void {
  const contacts = defaultContactHandles(spec.login);
  state.accounts.set(spec.login, { login: spec.login, password: spec.password, credit: spec.credit ?? credit, contacts });
  for (const [role, handle] of Object.entries(contacts) as [string, string][]) {
    if (!state.contacts.has(handle)) state.contacts.set(handle, contact(handle, spec.login, now, role));
  }
}

export function addTakenNames(state: RegistryState, names: readonly string[], now: number): void {
  for (const name of names) if (!state.domains.has(name)) state.domains.set(name, foreignDomain(name, now));
}

export function createInitialState(spec: InitialStateSpec, now: number): RegistryState {
  const state: RegistryState = {
    accounts: new Map(),
    domains: new Map(),
    contacts: new Map(),
    nameservers: new Map(),
    transfers: new Map(),
    effects: new Map(),
    denyTransfers: new Set(),
    nextContact: 1,
    nextTransfer: 1,
  };
  for (const account of spec.accounts) addAccount(state, account, spec.credit, now);
  addTakenNames(state, [...SEEDED_TAKEN_NAMES, ...spec.taken], now);
  for (const host of SIM_DEFAULTS.nameservers) {
    state.nameservers.set(host, { host, owner: OTHER_ACCOUNTS, created: now, ips: ['192.0.2.53'] });
  }
  return state;
}
