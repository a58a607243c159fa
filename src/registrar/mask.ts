// Secrets (the registrar password, session ids, transfer auth codes) must never
// reach a log line or an error message. Everything the registrar layer writes
// out goes through one of these.

/** Replace every occurrence of each secret (and its URL-encoded form) with ***. */
export function maskText(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 1) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ x: secret }).toString().slice(2)])) {
      if (form) out = out.split(form).join('***');
    }
  }
  return out;
}

/** A URL with any user:password part removed. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** The smallest logger the registrar layer needs; pino's satisfies it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
