// The request format: form fields posted to /api/call.cgi. Credentials travel in
// s_login / s_pw (or s_sessionid); the command comes either as one URL-encoded
// `s_command` block of KEY=VALUE lines (what the official SDKs send) or as flat
// fields (command=CheckDomain&domain=...). Keys are case-insensitive.

export type CommandValue = string | number | boolean | null | undefined | readonly (string | number)[];
/** A command before flattening: `{ COMMAND: 'AddDomain', DOMAIN: 'x.com', NAMESERVER: ['a', 'b'] }`. */
export type CommandInput = Readonly<Record<string, CommandValue>>;
/** A flat command: upper-case keys, string values, arrays expanded to KEY0..KEYn. */
export type Command = Readonly<Record<string, string>>;

export interface Credentials {
  readonly login?: string;
  readonly password?: string;
  readonly sessionId?: string;
  /** HEXONET flavour: 54cd live, 1234 test. */
  readonly entity?: string;
  /** HEXONET flavour: sub-user. */
  readonly user?: string;
}

export type RequestForm = 's_command' | 'flat';

/** Keys whose values are secrets: masked in every log line and error. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['AUTH', 'PASSWORD', 'NEWPASSWORD', 'S_PW', 'AUTHCODE', 'TRANSFERAUTH']);

function clean(value: string | number | boolean): string {
  const s = String(value);
  // A line break inside a value would inject a line into the s_command block.
  return s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
}

/** Upper-case the keys, expand arrays to KEY0..KEYn, drop null and undefined values. */
export function flattenCommand(input: CommandInput): Command {
  const out: Record<string, string> = {};
  for (const rawKey in input) {
    if (!Object.hasOwn(input, rawKey)) continue;
    const value = input[rawKey];
    if (value === null || value === undefined) continue;
    const key = rawKey.toUpperCase();
    if (Array.isArray(value)) {
      const items = value as readonly (string | number)[];
      for (let i = 0; i < items.length; i++) out[`${key}${i}`] = clean(items[i]!);
    } else {
      out[key] = clean(value as string | number | boolean);
    }
  }
  return out;
}

/** The `s_command` block: KEY=VALUE lines joined with \n, keys sorted with COMMAND first. */
export function commandBlock(command: Command): string {
  const keys = Object.keys(command).sort((a, b) => (a === 'COMMAND' ? -1 : b === 'COMMAND' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${k}=${command[k]}`).join('\n');
}

function credentialFields(creds: Credentials): [string, string][] {
  const fields: [string, string][] = [];
  if (creds.entity) fields.push(['s_entity', creds.entity]);
  if (creds.sessionId) {
    fields.push(['s_sessionid', creds.sessionId]);
  } else {
    if (creds.login !== undefined) fields.push(['s_login', creds.login]);
    if (creds.password !== undefined) fields.push(['s_pw', creds.password]);
  }
  if (creds.user) fields.push(['s_user', creds.user]);
  return fields;
}

/** Encode a request body (application/x-www-form-urlencoded) in either form. */
export function encodeRequest(creds: Credentials, command: Command | null, form: RequestForm = 's_command', extra: Readonly<Record<string, string>> = {}): string {
  const params = new URLSearchParams(credentialFields(creds));
  for (const [k, v] of Object.entries(extra)) params.append(k, v);
  if (command) {
    if (form === 's_command') {
      params.append('s_command', commandBlock(command));
    } else {
      for (const [k, v] of Object.entries(command)) params.append(k.toLowerCase(), v);
    }
  }
  return params.toString();
}

export interface DecodedRequest {
  readonly login?: string;
  readonly password?: string;
  readonly sessionId?: string;
  readonly entity?: string;
  readonly user?: string;
  /** `persistent=1`: with no command, a session login. */
  readonly persistent: boolean;
  /** Upper-case keys; empty when the request carries no command. */
  readonly command: Command;
}

export type DecodeResult = { readonly ok: true; readonly request: DecodedRequest } | { readonly ok: false; readonly message: string };

const CREDENTIAL_FIELDS = new Set(['s_login', 's_pw', 's_sessionid', 's_entity', 's_user', 's_opmode', 'persistent', 's_command']);

/** Parse `KEY=VALUE` lines (\n or \r\n); a value may contain '='; lines without '=' are refused. */
export function parseCommandBlock(block: string): { ok: true; command: Command } | { ok: false; message: string } {
  const out: Record<string, string> = {};
  for (const rawLine of block.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { ok: false, message: `s_command line without KEY=VALUE: ${JSON.stringify(line.slice(0, 40))}` };
    const key = line.slice(0, eq).trim().toUpperCase();
    if (key === '') return { ok: false, message: 's_command line with an empty key' };
    out[key] = line.slice(eq + 1).trim();
  }
  return { ok: true, command: out };
}

/** Decode a request body whatever its content type says (the node SDK posts the form as text/plain). */
export function decodeRequest(body: string): DecodeResult {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(body);
  } catch {
    return { ok: false, message: 'request body is not a form' };
  }
  const fields: Record<string, string> = {};
  const flat: Record<string, string> = {};
  for (const [rawKey, value] of params) {
    const lower = rawKey.trim().toLowerCase();
    if (CREDENTIAL_FIELDS.has(lower)) {
      if (!(lower in fields)) fields[lower] = value;
    } else if (lower !== '') {
      flat[lower.toUpperCase()] = value;
    }
  }
  let command: Command = flat;
  if (fields.s_command !== undefined) {
    const parsed = parseCommandBlock(fields.s_command);
    if (!parsed.ok) return { ok: false, message: parsed.message };
    command = { ...flat, ...parsed.command };
  }
  const request: Record<string, unknown> = { persistent: fields.persistent === '1', command };
  if (fields.s_login !== undefined) request.login = fields.s_login;
  if (fields.s_pw !== undefined) request.password = fields.s_pw;
  if (fields.s_sessionid !== undefined) request.sessionId = fields.s_sessionid;
  if (fields.s_entity !== undefined) request.entity = fields.s_entity;
  if (fields.s_user !== undefined) request.user = fields.s_user;
  return { ok: true, request: request as unknown as DecodedRequest };
}

/** A copy of a command with every secret value replaced, fit for logs and history. */
export function maskCommand(command: Command): Command {
  const keys = Object.keys(command);
  // Most commands carry no secret: the command itself (it is read-only), not a copy.
  if (!keys.some((k) => SECRET_KEYS.has(k.toUpperCase()))) return command;
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = SECRET_KEYS.has(k.toUpperCase()) ? '***' : command[k]!;
  return out;
}
