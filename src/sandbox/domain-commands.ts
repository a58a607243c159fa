// StatusDomain, RenewDomain, DeleteDomain and QueryDomainList: what an account
// does with the domains it holds. Another account's domain is "not found" (545),
// as at a real registrar.
import type { Command } from '../registrar/request.ts';
import { ok, refuse, type Answer } from './answer.ts';
import { domainAttr, intAttr, optional, optionAttr, periodAttr } from './attributes.ts';
import { addYears, wireDate, yearOf } from './clock.ts';
import type { CommandContext } from './command-context.ts';
import { parentCandidates, patternMatcher } from './domain-name.ts';
import { domainDates } from './register-commands.ts';
import type { DomainRecord } from './state.ts';

const RENEW_FORBIDDEN = ['clientRenewProhibited', 'serverRenewProhibited', 'PENDINGDELETE'];
const MAX_LIST_LIMIT = 10_000;

function ownDomain(ctx: CommandContext, name: string): DomainRecord {
  const d = ctx.registry.owned(name, ctx.account.login);
  if (!d) refuse(545, name);
  return d;
}

export function statusDomain(ctx: CommandContext, cmd: Command): Answer {
  const d = ownDomain(ctx, domainAttr(cmd));
  return ok({
    domain: d.name,
    ...domainDates(d),
    'updated date': wireDate(d.updated),
    'transfer lock': d.status.includes('clientTransferProhibited') ? 1 : 0,
    nameserver: d.nameservers,
    'owner contact': d.contacts.owner,
    'admin contact': d.admins ? [d.contacts.admin, ...d.admins] : d.contacts.admin,
    'tech contact': d.contacts.tech,
    'billing contact': d.contacts.billing,
    auth: d.auth,
  });
}

/** EXPIRATION: the current expiration year, or a full date whose year is compared; optional. */
function expirationYearAttr(cmd: Command): number | undefined {
  const raw = optional(cmd, 'EXPIRATION');
  if (raw === undefined) return undefined;
  const m = /^(\d{4})(?:-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?)?$/.exec(raw);
  if (!m) refuse(505, 'EXPIRATION');
  return Number(m[1]);
}

export function renewDomain(ctx: CommandContext, cmd: Command): Answer {
  const { registry, account, now } = ctx;
  const name = domainAttr(cmd);
  const period = periodAttr(cmd);
  const expirationYear = expirationYearAttr(cmd);
  const d = ownDomain(ctx, name);
  if (registry.pendingTransfer(name)) refuse(553);
  const forbidding = d.status.find((s) => RENEW_FORBIDDEN.includes(s));
  if (forbidding) refuse(552, forbidding);
  // The guard against renewing twice, when the caller gives it: a repeated renewal names a year
  // that is no longer current (555). A later year than the current one was never current: 541.
  // Without EXPIRATION the registrar renews whatever the year (the caller takes the risk).
  const currentYear = yearOf(d.expires);
  if (expirationYear !== undefined && expirationYear < currentYear) refuse(555, `current expiration year is ${currentYear}`);
  if (expirationYear !== undefined && expirationYear > currentYear) refuse(541, `EXPIRATION ${expirationYear} is not the current expiration year (${currentYear})`);
  const expires = addYears(d.expires, period);
  if (expires > registry.horizon(now)) refuse(548, 'expiration would be more than 10 years ahead');
  if (!registry.charge(account, registry.settings.prices.renew * period)) refuse(546);
  d.expires = expires;
  d.updated = now;
  registry.countEffect(name, 'renewed');
  registry.changed();
  return ok({ domain: name, ...domainDates(d) });
}

export function deleteDomain(ctx: CommandContext, cmd: Command): Answer {
  const { registry } = ctx;
  const name = domainAttr(cmd);
  optionAttr(cmd, 'ACTION', ['INSTANT'], 'INSTANT');
  const d = ownDomain(ctx, name);
  if (registry.pendingTransfer(name)) refuse(553);
  if (d.status.includes('clientDeleteProhibited')) refuse(552, 'clientDeleteProhibited');
  if (d.status.includes('serverDeleteProhibited')) refuse(557, 'serverDeleteProhibited');
  for (const host of registry.state.nameservers.keys()) {
    if (parentCandidates(host).includes(name)) refuse(533, host);
  }
  registry.state.domains.delete(name);
  registry.countEffect(name, 'deleted');
  registry.changed();
  return ok({ domain: name, status: 'DELETED' });
}

export function queryDomainList(ctx: CommandContext, cmd: Command): Answer {
  if (cmd.LAST !== undefined) refuse(503, 'LAST');
  const first = intAttr(cmd, 'FIRST', 0, 0, 1_000_000_000);
  const limit = intAttr(cmd, 'LIMIT', 100, 1, MAX_LIST_LIMIT);
  const matches = patternMatcher(optional(cmd, 'DOMAIN'));
  const login = ctx.account.login;
  const all: DomainRecord[] = [];
  for (const d of ctx.registry.state.domains.values()) if (d.owner === login && matches(d.name)) all.push(d);
  all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = all.slice(first, first + limit);
  return ok({
    column: ['domain', 'registration expiration date'],
    domain: page.map((d) => d.name),
    'registration expiration date': page.map((d) => wireDate(d.expires)),
    first,
    last: page.length > 0 ? first + page.length - 1 : first,
    count: page.length,
    limit,
    total: all.length,
  });
}
