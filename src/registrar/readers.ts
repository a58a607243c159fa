// Typed data read from success replies, one reader per command. Readers never
// throw: a property the registrar left out is undefined.
import { readDomainChecks, readList, type ListPage } from './list.ts';
import { prop, props, type Reply } from './reply.ts';

export interface CheckData {
  /** 210/212/214/218: true; 211/213/215/219: false. */
  readonly available: boolean;
}

export function readCheck(reply: Reply): CheckData {
  return { available: [210, 212, 214, 218].includes(reply.code) };
}

export interface DomainCheckResult {
  readonly domain: string;
  readonly code: number;
  readonly description: string;
  readonly available: boolean;
}

export function readCheckDomains(reply: Reply, domains: readonly string[]): DomainCheckResult[] {
  const checks = readDomainChecks(reply);
  return domains.map((domain, i) => {
    const check = checks[i];
    if (!check) return { domain, code: 423, description: 'no check result for this name in the reply', available: false };
    return { domain, code: check.code, description: check.description, available: check.code === 210 };
  });
}

export interface DomainDates {
  readonly createdDate?: string;
  readonly expirationDate?: string;
  readonly renewalDate?: string;
  /** Status flags as the registrar gave them (ACTIVE, REQUESTED, PENDINGDELETE, clientTransferProhibited ...). */
  readonly status: readonly string[];
}

function dates(reply: Reply): DomainDates {
  const out: { createdDate?: string; expirationDate?: string; renewalDate?: string; status: readonly string[] } = {
    status: props(reply, 'status'),
  };
  const created = prop(reply, 'created date');
  const expiration = prop(reply, 'registration expiration date');
  const renewal = prop(reply, 'renewal date');
  if (created !== undefined) out.createdDate = created;
  if (expiration !== undefined) out.expirationDate = expiration;
  if (renewal !== undefined) out.renewalDate = renewal;
  return out;
}

export type AddDomainData = DomainDates;
export const readAddDomain = dates;

export type RenewDomainData = DomainDates;
export const readRenewDomain = dates;

export interface DeleteDomainData {
  readonly status: readonly string[];
}
export function readDeleteDomain(reply: Reply): DeleteDomainData {
  return { status: props(reply, 'status') };
}

export interface StatusDomainData extends DomainDates {
  readonly transferLock?: boolean;
  readonly nameservers: readonly string[];
  readonly ownerContact?: string;
  /** Whether the reply carried an auth code; the code itself is a secret and is not read. */
  readonly hasAuth: boolean;
}

export function readStatusDomain(reply: Reply): StatusDomainData {
  const lock = prop(reply, 'transfer lock');
  const owner = prop(reply, 'owner contact');
  const base = dates(reply);
  return {
    ...base,
    ...(lock !== undefined ? { transferLock: lock === '1' || lock.toLowerCase() === 'true' } : {}),
    nameservers: props(reply, 'nameserver'),
    ...(owner !== undefined ? { ownerContact: owner } : {}),
    hasAuth: prop(reply, 'auth') !== undefined,
  };
}

export interface TransferData {
  /** pending, INITIATED, clientApproved, serverApproved, clientRejected, clientCancelled, serverCancelled ... */
  readonly transferStatus?: string;
}

export function readTransfer(reply: Reply): TransferData {
  const s = prop(reply, 'transfer status');
  return s === undefined ? {} : { transferStatus: s };
}

export interface ContactData {
  readonly handle?: string;
}

export function readContact(reply: Reply): ContactData {
  const handle = prop(reply, 'contact') ?? prop(reply, 'id');
  return handle === undefined ? {} : { handle };
}

export interface SessionData {
  readonly sessionId?: string;
  readonly expirationDate?: string;
}

export function readSession(reply: Reply): SessionData {
  const sessionId = prop(reply, 'sessionid');
  const expirationDate = prop(reply, 'expiration date');
  return { ...(sessionId ? { sessionId } : {}), ...(expirationDate ? { expirationDate } : {}) };
}

export type QueryDomainListData = ListPage;
export const readQueryDomainList = readList;
