// CheckDomain, CheckDomains and AddDomain: availability and registration.
import type { Command } from '../registrar/request.ts';
import { answer, ok, refuse, type Answer } from './answer.ts';
import { domainAttr, flagAttr, listAttr, optional, periodAttr } from './attributes.ts';
import { addYears, wireDate } from './clock.ts';
import type { CommandContext } from './command-context.ts';
import type { ContactHandles } from './defaults.ts';
import { normalizeName, unservedTld } from './domain-name.ts';
import { newAuthCode, type DomainRecord } from './state.ts';

/** Most names one CheckDomains may ask about. */
export const MAX_CHECK_NAMES = 32;
const MAX_NAMESERVERS = 13;
const AUTH_CODE = /^[\x21-\x7e]{6,64}$/;

export function checkDomain(ctx: CommandContext, cmd: Command): Answer {
  return answer(ctx.registry.domain(domainAttr(cmd)) ? 211 : 210);
}

// CheckDomains' own wording for a free name (PROTOCOL.md), not CheckDomain's description.
const AVAILABLE = '210 Available';
const TAKEN = `211 ${answer(211).description}`;
const INVALID = `541 ${answer(541).description}`;

export function checkDomains(ctx: CommandContext, cmd: Command): Answer {
  const names: string[] = [];
  for (let i = 0; i < MAX_CHECK_NAMES; i++) {
    const raw = cmd[`DOMAIN${i}`];
    if (raw === undefined) break;
    names.push(raw);
  }
  if (names.length === 0) {
    if (cmd.DOMAIN !== undefined) names.push(cmd.DOMAIN);
    else refuse(504, 'DOMAIN0');
  }
  if (cmd[`DOMAIN${MAX_CHECK_NAMES}`] !== undefined) refuse(541, `at most ${MAX_CHECK_NAMES} names (DOMAIN0..DOMAIN${MAX_CHECK_NAMES - 1})`);
  for (let i = names.length + 1; i < MAX_CHECK_NAMES; i++) {
    // A gap would shift every later result onto the wrong name.
    if (cmd[`DOMAIN${i}`] !== undefined) refuse(504, `DOMAIN${names.length}`);
  }
  const results = names.map((raw) => {
    const name = normalizeName(raw);
    if (name === undefined || unservedTld(name) !== undefined) return INVALID;
    return ctx.registry.domain(name) ? TAKEN : AVAILABLE;
  });
  // As the registrar's test system answers (vectors/cnr/idn-convert.json): a check time beside each result.
  return ok({ column: ['domaincheck', 'domainchecktime'], domaincheck: results, domainchecktime: results.map(() => '0') });
}

/** Most admin contacts a domain takes (ADMINCONTACT0..2); one of each other role. */
const MAX_ADMIN_CONTACTS = 3;

/**
 * Contacts given by handle must exist and belong to the account; missing ones take the
 * account's defaults. Up to three admin contacts: the first is `admin`, the others `admins`.
 */
function contactsAttr(ctx: CommandContext, cmd: Command): { contacts: ContactHandles; admins?: string[] } {
  const known = (handle: string, key: string): string => {
    const contact = ctx.registry.state.contacts.get(handle.toUpperCase()) ?? ctx.registry.state.contacts.get(handle);
    if (!contact || contact.owner !== ctx.account.login) refuse(545, key);
    return contact.handle;
  };
  const pick = (role: keyof ContactHandles, key: string): string => {
    const handle = optional(cmd, `${key}0`) ?? optional(cmd, key);
    return handle === undefined ? ctx.account.contacts[role] : known(handle, `${key}0`);
  };
  const admins: string[] = [];
  // ADMINCONTACT alone is ADMINCONTACT0, as for the other roles; with ADMINCONTACT0 it is ignored.
  const adminCmd: Command = optional(cmd, 'ADMINCONTACT0') !== undefined ? Object.fromEntries(Object.entries(cmd).filter(([k]) => k !== 'ADMINCONTACT')) : cmd;
  for (const { key, value } of listAttr(adminCmd, 'ADMINCONTACT', MAX_ADMIN_CONTACTS)) {
    const handle = known(value, key);
    if (admins.includes(handle)) refuse(540, key);
    admins.push(handle);
  }
  const contacts = {
    owner: pick('owner', 'OWNERCONTACT'),
    admin: admins[0] ?? ctx.account.contacts.admin,
    tech: pick('tech', 'TECHCONTACT'),
    billing: pick('billing', 'BILLINGCONTACT'),
  };
  return admins.length > 1 ? { contacts, admins: admins.slice(1) } : { contacts };
}

export function nameserversAttr(cmd: Command): string[] {
  const hosts: string[] = [];
  for (const { key, value } of listAttr(cmd, 'NAMESERVER', MAX_NAMESERVERS)) {
    const host = normalizeName(value);
    if (host === undefined) refuse(505, key);
    if (hosts.includes(host)) refuse(540, key);
    hosts.push(host);
  }
  return hosts;
}

/** The answer's view of a domain's dates and status, shared with RenewDomain and StatusDomain. */
export function domainDates(d: DomainRecord): Record<string, string | string[]> {
  return {
    'created date': wireDate(d.created),
    'registration expiration date': wireDate(d.expires),
    'renewal date': wireDate(d.expires),
    status: d.status,
  };
}

export function addDomain(ctx: CommandContext, cmd: Command): Answer {
  const { registry, account, now } = ctx;
  const name = domainAttr(cmd);
  const period = periodAttr(cmd);
  if (registry.domain(name)) refuse(554, name);
  const { contacts, admins } = contactsAttr(ctx, cmd);
  const nameservers = nameserversAttr(cmd);
  const auth = optional(cmd, 'AUTH');
  if (auth !== undefined && !AUTH_CODE.test(auth)) refuse(541, 'AUTH');
  const locked = flagAttr(cmd, 'TRANSFERLOCK', false);
  if (!registry.charge(account, registry.settings.prices.register * period)) refuse(546);
  const domain: DomainRecord = {
    name,
    owner: account.login,
    created: now,
    updated: now,
    expires: addYears(now, period),
    status: locked ? ['ACTIVE', 'clientTransferProhibited'] : ['ACTIVE'],
    nameservers,
    contacts,
    ...(admins ? { admins } : {}),
    auth: auth ?? newAuthCode(),
  };
  registry.state.domains.set(name, domain);
  registry.countEffect(name, 'registered');
  registry.changed();
  return ok(domainDates(domain));
}
