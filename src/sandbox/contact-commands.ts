// Contacts (AddContact, StatusContact, CheckContact), name servers
// (CheckNameserver, AddNameserver) and the account's balance (StatusAccount).
import { isIP } from 'node:net';
import type { Command } from '../registrar/request.ts';
import { answer, ok, refuse, type Answer } from './answer.ts';
import { hostAttr, listAttr, optional, required } from './attributes.ts';
import { wireDate } from './clock.ts';
import type { CommandContext } from './command-context.ts';
import { parentCandidates } from './domain-name.ts';
import type { ContactRecord } from './state.ts';

const HANDLE = /^[A-Za-z0-9._:-]{1,64}$/;
const FIELD_CHECKS: Record<string, RegExp> = {
  COUNTRY: /^[A-Za-z]{2}$/,
  PHONE: /^\+\d{1,3}\.\d{4,14}$/,
  EMAIL: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
};
const REQUIRED_FIELDS = ['FIRSTNAME', 'LASTNAME', 'STREET', 'CITY', 'ZIP', 'COUNTRY', 'PHONE', 'EMAIL'];
const OPTIONAL_FIELDS = ['ORGANIZATION', 'STATE', 'FAX'];

function handleAttr(cmd: Command): string {
  const handle = required(cmd, 'CONTACT');
  if (!HANDLE.test(handle)) refuse(505, 'CONTACT');
  return handle;
}

function findContact(ctx: CommandContext, handle: string): ContactRecord | undefined {
  const contacts = ctx.registry.state.contacts;
  return contacts.get(handle) ?? contacts.get(handle.toUpperCase());
}

export function addContact(ctx: CommandContext, cmd: Command): Answer {
  const fields: Record<string, string> = {};
  for (const key of REQUIRED_FIELDS) {
    // The street is a list (STREET0..); a bare STREET is accepted too.
    const value = key === 'STREET' ? (optional(cmd, 'STREET0') ?? optional(cmd, 'STREET')) : optional(cmd, key);
    if (value === undefined) refuse(504, key === 'STREET' ? 'STREET0' : key);
    const check = FIELD_CHECKS[key];
    if (check && !check.test(value)) refuse(505, key);
    fields[key.toLowerCase()] = key === 'COUNTRY' ? value.toUpperCase() : value;
  }
  for (const key of OPTIONAL_FIELDS) {
    const value = optional(cmd, key);
    if (value !== undefined) fields[key.toLowerCase()] = value;
  }
  const state = ctx.registry.state;
  const handle = `P-DF${(state.nextContact++).toString(36).toUpperCase().padStart(5, '0')}`;
  state.contacts.set(handle, { handle, owner: ctx.account.login, created: ctx.now, fields });
  ctx.registry.changed();
  return ok({ contact: handle });
}

export function statusContact(ctx: CommandContext, cmd: Command): Answer {
  const contact = findContact(ctx, handleAttr(cmd));
  if (!contact || contact.owner !== ctx.account.login) refuse(545, 'CONTACT');
  return ok({ contact: contact.handle, id: contact.handle, ...contact.fields, 'created date': wireDate(contact.created) });
}

export function checkContact(ctx: CommandContext, cmd: Command): Answer {
  return answer(findContact(ctx, handleAttr(cmd)) ? 215 : 214);
}

export function checkNameserver(ctx: CommandContext, cmd: Command): Answer {
  return answer(ctx.registry.state.nameservers.has(hostAttr(cmd, 'NAMESERVER')) ? 213 : 212);
}

export function addNameserver(ctx: CommandContext, cmd: Command): Answer {
  const { registry, account, now } = ctx;
  const host = hostAttr(cmd, 'NAMESERVER');
  if (registry.state.nameservers.has(host)) refuse(540, host);
  const parent = parentCandidates(host)
    .map((name) => registry.domain(name))
    .find((d) => d !== undefined);
  if (!parent) refuse(550, host);
  if (parent.owner !== account.login) refuse(551, `${parent.name} is not in this account`);
  const ips: string[] = [];
  for (const { key, value } of listAttr(cmd, 'IPADDRESS', 13)) {
    if (isIP(value) === 0) refuse(505, key);
    ips.push(value);
  }
  // A host inside a registered domain needs glue.
  if (ips.length === 0) refuse(504, 'IPADDRESS0');
  registry.state.nameservers.set(host, { host, owner: account.login, created: now, ips });
  registry.changed();
  return ok({ nameserver: host, ipaddress: ips });
}

export function statusAccount(ctx: CommandContext): Answer {
  return ok({ amount: ctx.account.credit.toFixed(2), credit: '0.00', currency: 'EUR' });
}
