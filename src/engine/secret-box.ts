// Secrets at rest (transfer auth codes): AES-256-GCM with a key from
// DOMAINFLOW_SECRET_KEY, or, for the embedded default, a key created once under
// the data folder. A sealed value is `v1.<iv>.<tag>.<ciphertext>` in base64url.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDir } from '../make-dir.ts';

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

export const SECRET_KEY_FORM = 'DOMAINFLOW_SECRET_KEY must be 32 bytes: 64 hex characters or 44 base64 characters';

/** The key's 32 bytes, or undefined when the text is not one (see SECRET_KEY_FORM). */
export function keyBytes(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  const b = Buffer.from(t, 'base64');
  return b.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(t) ? b : undefined;
}

function parseKey(text: string): Buffer {
  const key = keyBytes(text);
  if (!key) throw new SecretKeyError(SECRET_KEY_FORM);
  return key;
}

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SecretKeyError('secret key must be 32 bytes');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed) {
      const [v, iv, tag, ct] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || ct === undefined) throw new SecretKeyError('sealed secret has an unknown format');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretKeyError('a sealed secret could not be opened: DOMAINFLOW_SECRET_KEY is not the key it was sealed with');
      }
    },
  };
}

/**
 * The key from the environment, or the embedded default's key file (created
 * on first use). `announce` is told when a key file is created or used, so the
 * user knows where the key that guards their auth codes lives.
 */
export function loadSecretBox(envKey: string | undefined, dataDir: string, announce: (msg: string) => void = () => undefined): SecretBox {
  if (envKey) return createSecretBox(parseKey(envKey));
  const file = join(dataDir, 'secret.key');
  // A folder that cannot be made or read is a bad DOMAINFLOW_DATA_DIR: said so, with the system's reason.
  const named = (err: unknown) => new SecretKeyError(`DOMAINFLOW_DATA_DIR: cannot keep the secret key in ${file}: ${(err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err))}`);
  if (!existsSync(file)) {
    try {
      makeDir(dataDir);
    } catch (err) {
      throw named(err);
    }
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      announce(`no DOMAINFLOW_SECRET_KEY set: created a key for secrets at rest in ${file} (keep it; set DOMAINFLOW_SECRET_KEY in production)`);
    } catch (err) {
      // another process of the same installation created it first: use theirs
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw named(err);
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw named(err);
  }
  return createSecretBox(parseKey(text));
}

/** A command's parameters with an operation's secrets (sealed, by name) opened into them: param -> secret name. */
export function openSecrets<V>(box: SecretBox, params: Readonly<Record<string, V>>, secrets: Readonly<Record<string, string>>, sealed: Readonly<Record<string, string>> | undefined): Record<string, V | string> {
  const out: Record<string, V | string> = { ...params };
  for (const [param, name] of Object.entries(secrets)) {
    const value = sealed?.[name];
    if (value !== undefined) out[param] = box.open(value);
  }
  return out;
}
