// Configuration from the environment, validated at start-up: a bad value stops
// the process with a message naming the variable.
import { z } from 'zod';
import { policyFromEnv, type BackoffPolicy } from '../../machines/backoff.ts';

const intMs = (name: string, dflt: number, min = 1) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number >= ${min}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    });

/** A rate: a number > 0, or 0 for no limit (an in-house registrar, a benchmark). */
const rate = (name: string, dflt: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return dflt;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a number >= 0 (0 = no limit), got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    });

const url = (name: string, protocols: readonly string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} is not a valid URL` });
        return z.NEVER;
      }
      if (!protocols.includes(u.protocol.slice(0, -1))) {
        // Not the value itself: a URL may carry a password.
        ctx.addIssue({ code: 'custom', message: `${name} must be a ${protocols.map((p) => `${p}://`).join(' or ')} URL, got a ${u.protocol}// one` });
        return z.NEVER;
      }
      return v;
    });

const prefix = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const p = v === undefined || v === '' ? 'domainflow' : v;
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(p)) {
      ctx.addIssue({ code: 'custom', message: 'DOMAINFLOW_PREFIX must be 1-64 characters of A-Z a-z 0-9 _ . : -' });
      return z.NEVER;
    }
    return p;
  });

const list = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined));

const schema = z.object({
  REDIS_URL: url('REDIS_URL', ['redis', 'rediss']),
  DOMAINFLOW_PREFIX: prefix,
  DOMAINFLOW_REGISTRAR_URL: url('DOMAINFLOW_REGISTRAR_URL', ['http', 'https']),
  DOMAINFLOW_REGISTRAR_LOGIN: z.string().optional(),
  DOMAINFLOW_REGISTRAR_PASSWORD: z.string().optional(),
  DOMAINFLOW_RATE_LIMIT: rate('DOMAINFLOW_RATE_LIMIT', 1),
  DOMAINFLOW_CONNECTIONS: intMs('DOMAINFLOW_CONNECTIONS', 4),
  DOMAINFLOW_REGISTRAR_TIMEOUT_MS: intMs('DOMAINFLOW_REGISTRAR_TIMEOUT_MS', 30_000),
  DOMAINFLOW_API_TOKEN: z.string().optional(),
  DOMAINFLOW_SECRET_KEY: z.string().optional(),
  DOMAINFLOW_STALL_MS: intMs('DOMAINFLOW_STALL_MS', 30_000, 100),
  DOMAINFLOW_RATE_MARGIN_MS: intMs('DOMAINFLOW_RATE_MARGIN_MS', 10, 0),
  DOMAINFLOW_DATA_DIR: z.string().optional(),
  DOMAINFLOW_DEFAULT_NS: list,
  DOMAINFLOW_DEFAULT_CONTACT: z.string().optional(),
});

export interface EngineConfig {
  readonly redisUrl: string;
  readonly prefix: string;
  /** undefined: the embedded simulated registrar (npm start) */
  readonly registrarUrl: string | undefined;
  readonly login: string;
  readonly password: string;
  /** Registrar commands a second for the whole account, across all workers. */
  readonly rateLimit: number;
  /** Added to the one-second window: clock granularity between us and the registrar. */
  readonly rateMarginMs: number;
  readonly maxConnections: number;
  readonly registrarTimeoutMs: number;
  readonly apiToken: string | undefined;
  readonly secretKey: string | undefined;
  readonly stallMs: number;
  readonly dataDir: string;
  readonly defaultNameservers: readonly string[] | undefined;
  readonly defaultContact: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => (i.message.includes(String(i.path[0] ?? '')) ? i.message : `${String(i.path[0])}: ${i.message}`)).join('; '));
  }
  const e = parsed.data;
  return {
    redisUrl: e.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: e.DOMAINFLOW_PREFIX,
    registrarUrl: e.DOMAINFLOW_REGISTRAR_URL,
    login: e.DOMAINFLOW_REGISTRAR_LOGIN || 'demo',
    password: e.DOMAINFLOW_REGISTRAR_PASSWORD ?? 'demo',
    rateLimit: e.DOMAINFLOW_RATE_LIMIT,
    rateMarginMs: e.DOMAINFLOW_RATE_MARGIN_MS,
    maxConnections: e.DOMAINFLOW_CONNECTIONS,
    registrarTimeoutMs: e.DOMAINFLOW_REGISTRAR_TIMEOUT_MS,
    apiToken: e.DOMAINFLOW_API_TOKEN || undefined,
    secretKey: e.DOMAINFLOW_SECRET_KEY || undefined,
    stallMs: e.DOMAINFLOW_STALL_MS,
    dataDir: e.DOMAINFLOW_DATA_DIR || '.domainflow',
    defaultNameservers: e.DOMAINFLOW_DEFAULT_NS,
    defaultContact: e.DOMAINFLOW_DEFAULT_CONTACT || undefined,
  };
}

/** The backoff policy from the environment (DOMAINFLOW_BACKOFF_*, …): a bad value is a ConfigError, as for every other variable. */
export function loadPolicy(env: NodeJS.ProcessEnv = process.env): BackoffPolicy {
  try {
    return policyFromEnv(env);
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
}
