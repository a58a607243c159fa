// Configuration from the environment, validated at start-up: a bad value stops
// the process with a message naming the variable.
import { z } from 'zod';
import { policyFromEnv, type BackoffPolicy } from '../../machines/backoff.ts';
import { keyBytes, SECRET_KEY_FORM } from './secret-box.ts';

/**
 * One variable: unset or blank is `dflt`; otherwise `read` makes its value, or says what is wrong
 * with it (a string: the issue's message, which names the variable).
 */
function variable<T, D>(dflt: D, read: (v: string) => { value: T } | string) {
  return z
    .string()
    .optional()
    .transform((v, ctx): T | D => {
      if (v === undefined || v.trim() === '') return dflt;
      const r = read(v);
      if (typeof r === 'string') {
        ctx.addIssue({ code: 'custom', message: r });
        return z.NEVER;
      }
      return r.value;
    });
}

const intMs = (name: string, dflt: number, min = 1) =>
  variable(dflt, (v) => {
    const n = Number(v);
    return Number.isInteger(n) && n >= min ? { value: n } : `${name} must be a whole number >= ${min}, got ${JSON.stringify(v)}`;
  });

/** A rate: a number > 0, or 0 for no limit (an in-house registrar, a benchmark). */
const rate = (name: string, dflt: number) =>
  variable(dflt, (v) => {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? { value: n } : `${name} must be a number >= 0 (0 = no limit), got ${JSON.stringify(v)}`;
  });

const url = (name: string, protocols: readonly string[]) =>
  variable(undefined, (v) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return `${name} is not a valid URL`;
    }
    // Not the value itself: a URL may carry a password.
    if (!protocols.includes(u.protocol.slice(0, -1))) return `${name} must be a ${protocols.map((p) => `${p}://`).join(' or ')} URL, got a ${u.protocol}// one`;
    return { value: v };
  });

/** A key prefix: its keys start with it as given; on a Redis Cluster it carries one hash tag, as in {domainflow}. */
const PREFIX = /^(?=.{1,64}$)[A-Za-z0-9_.:-]*(\{[A-Za-z0-9_.:-]+\}[A-Za-z0-9_.:-]*)?$/;
const prefix = variable('domainflow', (v) =>
  PREFIX.test(v) ? { value: v } : 'DOMAINFLOW_PREFIX must be 1-64 characters of A-Z a-z 0-9 _ . : -, with at most one hash tag in braces (as {domainflow})',
);

/** A host name as a name server is written: labels of letters, digits and hyphens, at least one dot. */
const HOST_NAME = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

/** Name servers, comma-separated: each a host name (else every registration would fail at the registrar). */
const nameservers = variable(undefined, (v) => {
  const hosts = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = hosts.find((h) => !HOST_NAME.test(h));
  if (bad !== undefined) return `DOMAINFLOW_DEFAULT_NS must be host names separated by commas (ns1.example.net,ns2.example.net), got ${JSON.stringify(bad.slice(0, 80))}`;
  return { value: hosts.length > 0 ? hosts : undefined };
});

/** A contact handle as registrars write them (DEMO-OWNER, P-ABC123): no spaces, no punctuation but - _ . */
const handle = variable(undefined, (v) =>
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(v) ? { value: v } : `DOMAINFLOW_DEFAULT_CONTACT must be one contact handle (letters, digits, - _ .; at most 64), got ${JSON.stringify(v.slice(0, 80))}`,
);

/** One of `choices` (any case), or undefined when unset. */
const oneOf = (name: string, choices: readonly string[]) =>
  variable(undefined, (v) => {
    const c = v.trim().toLowerCase();
    return choices.includes(c) ? { value: c } : `${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(v.slice(0, 40))}`;
  });

/** The log settings every command reads (see logger.ts). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const logSchema = z.object({
  LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS),
  LOG_FORMAT: oneOf('LOG_FORMAT', ['json', 'pretty']),
});

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
  // Its form is checked for every command (its use, by those that seal or open secrets).
  DOMAINFLOW_SECRET_KEY: variable<string, undefined>(undefined, (v) => (keyBytes(v) ? { value: v } : SECRET_KEY_FORM)),
  // A command must leave within half of it (see LockClock): under a second, too little for a
  // registrar round trip with a new connection.
  DOMAINFLOW_STALL_MS: intMs('DOMAINFLOW_STALL_MS', 30_000, 1_000),
  DOMAINFLOW_RATE_MARGIN_MS: intMs('DOMAINFLOW_RATE_MARGIN_MS', 10, 0),
  DOMAINFLOW_DATA_DIR: z.string().optional(),
  DOMAINFLOW_DEFAULT_NS: nameservers,
  DOMAINFLOW_DEFAULT_CONTACT: handle,
}).extend(logSchema.shape);

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
  /** What to blame: the variable (or flag) given, else the one the message begins with (a policy variable's). */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field ?? /^((?:DOMAINFLOW|LOG|REDIS)_[A-Z_]+)\b/.exec(message)?.[1];
  }
}

/** `schema` applied to `env`; a bad value is a ConfigError whose message names the variable. */
function parseEnv<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => (i.message.includes(String(i.path[0] ?? '')) ? i.message : `${String(i.path[0])}: ${i.message}`)).join('; ');
    const first = parsed.error.issues[0]?.path[0];
    throw new ConfigError(message, typeof first === 'string' ? first : undefined);
  }
  return parsed.data;
}

/**
 * Every variable any command reads, checked before the command runs (commands that need none of
 * them too: a bad value is found at once, not by the first command that reads it). Throws ConfigError.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  loadConfig(env);
  loadPolicy(env);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const e = parseEnv(schema, env);
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
