// The reply format of the CentralNic Reseller / HEXONET family:
//
//   [RESPONSE]
//   code = 200
//   description = Command completed successfully
//   property[registration expiration date][0] = 2027-11-30 07:00:00
//   EOF
//
// parseReply never throws: it gives a Reply or a ProtocolError naming what is wrong.

export interface Reply {
  readonly code: number;
  readonly description: string;
  /** Property values by normalised name (upper case, spaces removed), in wire order. */
  readonly properties: Readonly<Record<string, readonly string[]>>;
  readonly queuetime?: number;
  readonly runtime?: number;
}

export interface ProtocolError {
  readonly kind: 'protocol_error';
  readonly message: string;
}

export type ParseResult = { readonly ok: true; readonly reply: Reply } | { readonly ok: false; readonly error: ProtocolError };

/** Replies larger than this are refused: a registrar reply is a few KB, a list page a few hundred. */
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;

const PROPERTY_KEY = /^property\[([^\]]*)\]\[(\d*)\]$/i;

/** `registration expiration date` -> `REGISTRATIONEXPIRATIONDATE`, as the official SDKs do. */
export function normalizePropertyName(name: string): string {
  return name.replace(/\s+/g, '').toUpperCase();
}

function fail(message: string): ParseResult {
  return { ok: false, error: { kind: 'protocol_error', message } };
}

export function parseReply(body: string | Uint8Array): ParseResult {
  if (typeof body !== 'string') {
    if (!(body instanceof Uint8Array)) return fail('reply body is neither text nor bytes');
    if (body.byteLength > MAX_REPLY_BYTES) return fail(`reply body is larger than ${MAX_REPLY_BYTES} bytes`);
    body = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  } else if (body.length > MAX_REPLY_BYTES) {
    return fail(`reply body is larger than ${MAX_REPLY_BYTES} characters`);
  }
  if (body.trim() === '') return fail('reply body is empty');

  let codeText: string | undefined;
  let description: string | undefined;
  let queuetime: number | undefined;
  let runtime: number | undefined;
  const properties: Record<string, string[]> = Object.create(null) as Record<string, string[]>;

  for (const rawLine of body.split('\n')) {
    const eq = rawLine.indexOf('=');
    if (eq < 0) continue; // [RESPONSE], EOF, blank lines carry nothing
    const key = rawLine.slice(0, eq).trim();
    const value = rawLine.slice(eq + 1).trim(); // trims a trailing \r too
    const lower = key.toLowerCase();
    if (lower === 'code') {
      if (codeText !== undefined && codeText !== value) return fail(`reply has two different codes (${codeText}, ${value.slice(0, 20)})`);
      codeText = value;
    } else if (lower === 'description') {
      if (description === undefined) description = value;
    } else if (lower === 'queuetime') {
      const n = Number(value);
      if (value !== '' && Number.isFinite(n)) queuetime = n;
    } else if (lower === 'runtime') {
      const n = Number(value);
      if (value !== '' && Number.isFinite(n)) runtime = n;
    } else if (lower.startsWith('property[')) {
      const m = PROPERTY_KEY.exec(key);
      if (!m) return fail(`malformed property key ${JSON.stringify(key.slice(0, 60))}`);
      const name = normalizePropertyName(m[1] ?? '');
      if (name === '') return fail('property with an empty name');
      // Like the official SDKs: the index is ignored and values are appended in order.
      (properties[name] ??= []).push(value);
    }
    // any other key=value line is an unknown key: accepted and ignored
  }

  if (codeText === undefined) return fail('reply has no code');
  if (!/^\d{3}$/.test(codeText)) return fail(`reply code ${JSON.stringify(codeText.slice(0, 20))} is not three digits`);
  if (description === undefined || description === '') return fail('reply has no description');
  const reply: Reply = { code: Number(codeText), description, properties };
  if (queuetime !== undefined) (reply as { queuetime?: number }).queuetime = queuetime;
  if (runtime !== undefined) (reply as { runtime?: number }).runtime = runtime;
  return { ok: true, reply };
}

/** The first value of a property, by any spelling of its name. */
export function prop(reply: Reply, name: string): string | undefined {
  return reply.properties[normalizePropertyName(name)]?.[0];
}

/** All values of a property, by any spelling of its name. */
export function props(reply: Reply, name: string): readonly string[] {
  return reply.properties[normalizePropertyName(name)] ?? [];
}

export interface ReplyToSerialize {
  readonly code: number;
  readonly description: string;
  /** Wire names (`registration expiration date`) to values; written in lower case, indices 0..n-1. */
  readonly properties?: Readonly<Record<string, readonly (string | number)[] | string | number>>;
  readonly queuetime?: number;
  readonly runtime?: number;
}

function oneLine(value: string | number): string {
  return String(value).replace(/[\r\n]+/g, ' ');
}

/** Serialise a reply exactly as the registrar writes it: LF line ends, contiguous property indices. */
export function serializeReply(reply: ReplyToSerialize): string {
  const lines = ['[RESPONSE]', `code = ${reply.code}`, `description = ${oneLine(reply.description)}`];
  lines.push(`queuetime = ${reply.queuetime ?? 0}`);
  lines.push(`runtime = ${(reply.runtime ?? 0).toFixed(3)}`);
  for (const [name, raw] of Object.entries(reply.properties ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw as string | number];
    const wireName = name.toLowerCase().replace(/[[\]\r\n=]/g, '');
    values.forEach((value, i) => lines.push(`property[${wireName}][${i}] = ${oneLine(value)}`));
  }
  lines.push('EOF', '');
  return lines.join('\n');
}
