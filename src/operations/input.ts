// Submitting an operation: the one boundary where a caller's data (CLI flags,
// an API body, a bulk file line) becomes a Submission. Invalid input is refused
// here, before anything is queued, with a message that names the field.
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import type { OperationType } from '../../machines/contract.ts';
import { readWireDate } from '../registrar/dates.ts';
import { idnLabelProblem, TOP_LEVEL_LABEL } from '../registrar/names.ts';

export const OPERATION_TYPES: readonly OperationType[] = ['register', 'renew', 'transfer', 'delete'];
export const MAX_NAMESERVERS = 13;

export interface Submission {
  readonly type: OperationType;
  /** Punycode, lower case, no trailing dot. */
  readonly domain: string;
  /** Years, 1-10; 1 when not given. */
  readonly period: number;
  /** The transfer auth code: a secret, never echoed in an error. */
  readonly auth?: string;
  /** Name servers (register), punycode host names. */
  readonly ns?: string[];
  /** Idempotency key: one operation per key. */
  readonly key?: string;
  /** Renew: the current expiration ('YYYY-MM-DD', with a time, or 'YYYY'), when known: saves a StatusDomain. */
  readonly expiration?: string;
  /** Contact handles (register); the engine fills the missing ones from its configuration. */
  readonly contacts?: { owner?: string; admin?: string; tech?: string; billing?: string };
}

export type SubmissionResult = { readonly ok: true; readonly value: Submission } | { readonly ok: false; readonly error: string; readonly field: string };

type Checked = { ok: true; value: string } | { ok: false; message: string };

const IDNA_DOTS = /[.\u3002\uff0e\uff61]/;
const LABEL = /^[a-z0-9-]+$/;

/**
 * A domain or host name: IDN labels to punycode, lower case, one trailing dot
 * removed; labels of 1-63 of [a-z0-9-] not starting or ending with '-'; at most
 * 253 characters; "--" in the third and fourth places only in an IDN label
 * (xn--, valid punycode); two labels at least; a top-level label of two or more
 * letters, or an IDN label.
 */
export function normalizeDomainName(raw: string): Checked {
  let name = raw.trim().toLowerCase();
  if (name === '') return { ok: false, message: 'is empty' };
  if (name.length > 1024) return { ok: false, message: 'is longer than 253 characters' };
  if (IDNA_DOTS.test(name.slice(-1))) name = name.slice(0, -1);
  const labels: string[] = [];
  for (const label of name.split(IDNA_DOTS)) {
    if (label === '') return { ok: false, message: 'has an empty label (a leading dot or two dots in a row)' };
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(label)) {
      const ascii = domainToASCII(label);
      if (ascii === '' || ascii.includes('.')) return { ok: false, message: `label ${JSON.stringify(label)} is not a valid internationalised label` };
      labels.push(ascii);
    } else {
      labels.push(label);
    }
  }
  for (const label of labels) {
    if (label.length > 63) return { ok: false, message: `label "${label.slice(0, 20)}..." is longer than 63 characters` };
    if (!LABEL.test(label)) return { ok: false, message: `label ${JSON.stringify(label)} may only contain a-z, 0-9 and "-"` };
    if (label.startsWith('-') || label.endsWith('-')) return { ok: false, message: `label "${label}" must not start or end with "-"` };
    const idn = idnLabelProblem(label);
    if (idn) return { ok: false, message: idn };
  }
  if (labels.length < 2) return { ok: false, message: `must have at least two labels (name.tld), got "${labels.join('.')}"` };
  const value = labels.join('.');
  if (value.length > 253) return { ok: false, message: `is longer than 253 characters (${value.length})` };
  const tld = labels[labels.length - 1] ?? '';
  if (!TOP_LEVEL_LABEL.test(tld)) return { ok: false, message: `top-level label "${tld}" must be two or more letters, or an IDN label (xn--)` };
  return { ok: true, value };
}

/** '' and null mean "not given" (a bulk file's empty column). */
const absent = (v: unknown) => (v === null || v === '' ? undefined : v);

const nameSchema = (what: string) =>
  z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') }).transform((raw, ctx) => {
    const r = normalizeDomainName(raw);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: what === 'domain' ? r.message : `"${raw.slice(0, 80)}" is not a valid host name: ${r.message}` });
    return z.NEVER;
  });

const periodSchema = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : absent(v)),
  z
    .number({ error: (iss) => `must be an integer from 1 to 10, got ${JSON.stringify(iss.input)}` })
    .int({ error: (iss) => `must be an integer from 1 to 10, got ${JSON.stringify(iss.input)}` })
    .min(1, { error: (iss) => `must be an integer from 1 to 10, got ${JSON.stringify(iss.input)}` })
    .max(10, { error: (iss) => `must be an integer from 1 to 10, got ${JSON.stringify(iss.input)}` })
    .optional(),
);

// Printable ASCII, no leading or trailing space. The value is never echoed.
const authSchema = z.preprocess(
  absent,
  z
    .string({ error: 'must be a string' })
    .regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/, 'must be 1 to 64 printable ASCII characters, without leading or trailing spaces')
    .optional(),
);

const nsSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,;]+/).filter((s) => s !== '') : absent(v)),
  z
    .array(nameSchema('ns'), { error: 'must be a list of host names' })
    .max(MAX_NAMESERVERS, { error: (iss) => `at most ${MAX_NAMESERVERS} name servers, got ${(iss.input as unknown[]).length}` })
    .optional(),
);

const handle = z.preprocess(
  absent,
  z
    .string({ error: 'must be a string' })
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be a contact handle: 1 to 64 of A-Z a-z 0-9 _ . : -')
    .optional(),
);

const submissionSchema = z.strictObject({
  type: z.enum(OPERATION_TYPES as [OperationType, ...OperationType[]], { error: `must be one of ${OPERATION_TYPES.join(', ')}` }),
  domain: nameSchema('domain'),
  period: periodSchema,
  auth: authSchema,
  ns: nsSchema,
  // Not `absent`: an empty key is a mistake (an unset shell variable, say) that would drop the
  // idempotency the caller asked for; null, or no key at all, is no key. (A CSV's empty cell is no key.)
  key: z.preprocess(
    (v) => (v === null ? undefined : v),
    z.string({ error: 'must be a string' }).min(1, 'must not be empty (leave it out for no key)').max(200, 'must be 1 to 200 characters').optional(),
  ),
  expiration: z.preprocess(
    absent,
    z
      .string({ error: 'must be a string' })
      .regex(/^\d{4}(-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?)?$/, 'must be the current expiration as YYYY-MM-DD (a time may follow) or YYYY')
      .refine((text) => readWireDate(text) !== undefined, { error: (iss) => `${String(iss.input)} is not a date` })
      .optional(),
  ),
  contacts: z.preprocess(absent, z.strictObject({ owner: handle, admin: handle, tech: handle, billing: handle }, { error: 'must be an object' }).optional()),
});

function firstIssue(error: z.ZodError): { error: string; field: string } {
  const issue = error.issues[0];
  if (!issue) return { error: 'submission: invalid', field: 'submission' };
  let path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0] ?? '?'];
    message = 'unknown field';
  }
  // ns.2 -> ns: the message names the host.
  if (path[0] === 'ns') path = ['ns'];
  const field = path.join('.') || 'submission';
  return { error: `${field}: ${message}`, field };
}

/** Validate one submission: `{ type, domain, period?, auth?, ns?, key?, contacts? }`. */
export function parseSubmission(raw: unknown): SubmissionResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'submission: must be an object', field: 'submission' };
  const parsed = submissionSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, ...firstIssue(parsed.error) };
  const s = parsed.data;
  const refuse = (field: string, error: string): SubmissionResult => ({ ok: false, error: `${field}: ${error}`, field });
  if (s.type === 'transfer' && s.auth === undefined) return refuse('auth', 'is required for a transfer');
  if (s.type !== 'transfer' && s.auth !== undefined) return refuse('auth', `only a transfer takes an auth code, not a ${s.type}`);
  if (s.type !== 'register' && s.ns !== undefined) return refuse('ns', `only a registration takes name servers, not a ${s.type}`);
  if (s.type !== 'register' && s.contacts !== undefined) return refuse('contacts', `only a registration takes contacts, not a ${s.type}`);
  if (s.type === 'delete' && s.period !== undefined) return refuse('period', 'a deletion takes no period');
  if (s.type !== 'renew' && s.expiration !== undefined) return refuse('expiration', `only a renewal takes the current expiration, not a ${s.type}`);
  const seen = new Set<string>();
  for (const ns of s.ns ?? []) {
    if (seen.has(ns)) return refuse('ns', `"${ns}" is listed twice`);
    seen.add(ns);
  }
  const value: Submission = {
    type: s.type,
    domain: s.domain,
    period: s.period ?? 1,
    ...(s.auth !== undefined ? { auth: s.auth } : {}),
    ...(s.ns !== undefined ? { ns: s.ns } : {}),
    ...(s.key !== undefined ? { key: s.key } : {}),
    ...(s.expiration !== undefined ? { expiration: s.expiration } : {}),
    ...(s.contacts !== undefined ? { contacts: Object.fromEntries(Object.entries(s.contacts).filter(([, v]) => v !== undefined)) } : {}),
  };
  return { ok: true, value };
}
