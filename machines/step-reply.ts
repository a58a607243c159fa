// From the registrar client's Outcome to the machine's StepReply, and the few
// readings of a reply the machines base decisions on.
import { readWireDate } from '../src/registrar/dates.ts';
import type { Outcome } from '../src/registrar/outcome.ts';
import type { DefiniteReply, StepReply } from './contract.ts';

/**
 * Property names whose values are secrets (StatusDomain answers with the
 * domain's AUTH): dropped, so they cannot reach an event log. Mirrors
 * SECRET_KEYS of src/registrar/request.ts.
 */
const SECRET_PROPERTIES: ReadonlySet<string> = new Set(['AUTH', 'PASSWORD', 'NEWPASSWORD', 'S_PW', 'AUTHCODE', 'TRANSFERAUTH']);

/** The engine turns each client result into the machine's REPLY payload with this. */
export function toStepReply(outcome: Outcome): StepReply {
  if (outcome.kind === 'uncertain') {
    return { kind: 'uncertain', code: outcome.code, reason: outcome.reason, description: outcome.description };
  }
  const properties: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(outcome.reply.properties)) {
    if (!SECRET_PROPERTIES.has(name)) properties[name] = [...values];
  }
  return { kind: 'reply', code: outcome.code, description: outcome.description, properties };
}

export function first(reply: DefiniteReply, name: string): string | undefined {
  const value = reply.properties[name]?.[0]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function statusFlags(reply: DefiniteReply): string[] {
  const values = reply.properties['STATUS'];
  if (!values || values.length === 0) return [];
  // The usual reply: one flag, nothing to split.
  if (values.length === 1 && /^[^\s,]+$/.test(values[0]!)) return [values[0]!];
  return values.flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== '');
}

/** A registration the registry has not completed yet (REQUESTED, PENDING, PENDINGCREATE). */
export function isPendingCreate(reply: DefiniteReply): boolean {
  return statusFlags(reply).some((s) => /^(REQUESTED|PENDING|PENDINGCREATE|PENDING_?CREATE)$/i.test(s));
}

export function isPendingDelete(reply: DefiniteReply): boolean {
  return statusFlags(reply).some((s) => /PENDING_?DELETE/i.test(s));
}

export function expirationDate(reply: DefiniteReply): string | undefined {
  return first(reply, 'REGISTRATIONEXPIRATIONDATE');
}

/**
 * The latest moment a StatusDomainTransfer reply's `request date` may stand for (ms, read as UTC):
 * the time itself for 'YYYY-MM-DD hh:mm[:ss]', the day's end for 'YYYY-MM-DD'; undefined when the
 * reply gives none, or one in another form or not a real date.
 */
export function transferRequestedBy(reply: DefiniteReply): number | undefined {
  const date = readWireDate(first(reply, 'REQUESTDATE') ?? '');
  if (!date || date.precision === 'year') return undefined;
  return date.precision === 'day' ? date.ms + 86_400_000 - 1 : date.ms;
}

/** The year of 'YYYY-MM-DD hh:mm:ss', 'YYYY-MM-DD' or 'YYYY'; undefined for anything else. */
export function yearOf(date: string | undefined): number | undefined {
  const m = date === undefined ? null : /^\s*(\d{4})(?:\D|$)/.exec(date);
  return m ? Number(m[1]) : undefined;
}

export type TransferState = 'approved' | 'rejected' | 'pending';

/** TRANSFERSTATUS: *approved* -> approved; *rejected* or *cancelled* -> rejected; else (pending, INITIATED, none) pending. */
export function transferState(reply: DefiniteReply): { state: TransferState; status: string } {
  const status = first(reply, 'TRANSFERSTATUS') ?? '';
  const lower = status.toLowerCase();
  if (lower.includes('approved')) return { state: 'approved', status };
  if (lower.includes('rejected') || lower.includes('cancelled') || lower.includes('canceled')) return { state: 'rejected', status };
  return { state: 'pending', status };
}
