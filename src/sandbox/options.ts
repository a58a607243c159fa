// The simulator's options: programmatic (startSim) and from the CLI flags, both
// validated here so that a bad value stops start-up with a message naming the flag.
import { SIM_DEFAULTS, type Prices } from './defaults.ts';
import { normalizeName } from './domain-name.ts';
import type { AccountSpec } from './state.ts';

export interface SimOptions {
  /** 0 (the default for startSim) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Commands per second per account before the 422 lock. */
  readonly rate?: number;
  readonly lockSeconds?: number;
  /** Concurrently open HTTP connections per account before 521. */
  readonly sessions?: number;
  /** Share of commands answered 420/421/423 before any effect (0..1). */
  readonly tempFailRate?: number;
  /** Share of commands whose effect happens but whose reply is dropped (0..1). */
  readonly dropRate?: number;
  readonly latencyMs?: number;
  /** Seeds the fault sequence; random when not given. */
  readonly seed?: number;
  /** Names held by other accounts, on top of the seeded ones. */
  readonly taken?: readonly string[];
  /** Starting credit of every account. */
  readonly credit?: number;
  readonly transferSeconds?: number;
  readonly stateFile?: string;
  /** Accounts besides demo/demo (an entry with login demo replaces it). */
  readonly accounts?: readonly AccountSpec[];
  readonly prices?: Partial<Prices>;
  readonly sessionTtlSeconds?: number;
  readonly logLimit?: number;
  /** Where background errors (a failed state-file save) go; console.error by default. */
  readonly onError?: (err: Error) => void;
}

export interface ResolvedSimOptions {
  readonly port: number;
  readonly host: string;
  readonly rate: number;
  readonly lockSeconds: number;
  readonly sessions: number;
  readonly tempFailRate: number;
  readonly dropRate: number;
  readonly latencyMs: number;
  readonly seed: number;
  readonly taken: readonly string[];
  readonly credit: number;
  readonly transferSeconds: number;
  readonly stateFile: string | undefined;
  readonly accounts: readonly AccountSpec[];
  readonly prices: Prices;
  readonly sessionTtlSeconds: number;
  readonly logLimit: number;
  readonly onError: (err: Error) => void;
}

/** A bad option value; `flag` is the CLI flag that sets it (--rate ...). */
export class SimOptionError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag} ${message}`);
    this.name = 'SimOptionError';
  }
}

function num(flag: string, value: number | undefined, fallback: number, min: number, max: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const kind = integer ? 'a whole number' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new SimOptionError(flag, `must be ${kind} from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function accountsOf(extra: readonly AccountSpec[] | undefined): AccountSpec[] {
  const byLogin = new Map<string, AccountSpec>([[SIM_DEFAULTS.login, { login: SIM_DEFAULTS.login, password: SIM_DEFAULTS.password }]]);
  for (const a of extra ?? []) {
    if (typeof a.login !== 'string' || !/^[A-Za-z0-9._@-]{1,64}$/.test(a.login)) {
      throw new SimOptionError('--account', `login must be 1-64 letters, digits or . _ @ - (got ${JSON.stringify(a.login)})`);
    }
    if (typeof a.password !== 'string' || a.password === '') throw new SimOptionError('--account', `needs a password for ${a.login}`);
    byLogin.set(a.login, a);
  }
  return [...byLogin.values()];
}

export function resolveSimOptions(options: SimOptions = {}): ResolvedSimOptions {
  const taken = (options.taken ?? []).map((raw) => {
    const name = typeof raw === 'string' ? normalizeName(raw) : undefined;
    if (name === undefined) throw new SimOptionError('--taken', `has an invalid domain name: ${JSON.stringify(raw)}`);
    return name;
  });
  const prices = { ...SIM_DEFAULTS.prices, ...(options.prices ?? {}) };
  for (const [k, v] of Object.entries(prices)) num(`prices.${k}`, v, 0, 0, 1e9, false);
  if (options.stateFile !== undefined && (typeof options.stateFile !== 'string' || options.stateFile.trim() === '')) {
    throw new SimOptionError('--state-file', 'must be a file path');
  }
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host.trim() === '')) {
    throw new SimOptionError('--host', 'must be a host name or address');
  }
  return {
    port: num('--port', options.port, 0, 0, 65535, true),
    host: options.host ?? SIM_DEFAULTS.host,
    rate: num('--rate', options.rate, SIM_DEFAULTS.rate, 1, 1_000_000, true),
    lockSeconds: num('--lock-seconds', options.lockSeconds, SIM_DEFAULTS.lockSeconds, 0, 86_400, false),
    sessions: num('--sessions', options.sessions, SIM_DEFAULTS.sessions, 1, 100_000, true),
    tempFailRate: num('--temp-fail-rate', options.tempFailRate, 0, 0, 1, false),
    dropRate: num('--drop-rate', options.dropRate, 0, 0, 1, false),
    latencyMs: num('--latency-ms', options.latencyMs, 0, 0, 600_000, false),
    seed: num('--seed', options.seed, Math.floor(Math.random() * 2 ** 31), -(2 ** 53), 2 ** 53, true),
    taken,
    credit: num('--credit', options.credit, SIM_DEFAULTS.credit, 0, 1e12, false),
    transferSeconds: num('--transfer-seconds', options.transferSeconds, SIM_DEFAULTS.transferSeconds, 0, 10 * 365 * 86_400, false),
    stateFile: options.stateFile,
    accounts: accountsOf(options.accounts),
    prices,
    sessionTtlSeconds: num('sessionTtlSeconds', options.sessionTtlSeconds, SIM_DEFAULTS.sessionTtlSeconds, 1, 365 * 86_400, false),
    logLimit: num('logLimit', options.logLimit, SIM_DEFAULTS.logLimit, 0, 10_000_000, true),
    onError: options.onError ?? ((err) => console.error(`domainflow sim: ${err.message}`)),
  };
}

/** The CLI's raw flag values (strings from commander). */
export interface SimFlags {
  readonly port?: string;
  readonly host?: string;
  readonly rate?: string;
  readonly lockSeconds?: string;
  readonly sessions?: string;
  readonly tempFailRate?: string;
  readonly dropRate?: string;
  readonly latencyMs?: string;
  readonly seed?: string;
  readonly taken?: string;
  readonly credit?: string;
  readonly transferSeconds?: string;
  readonly stateFile?: string;
  readonly account?: readonly string[];
}

function numberFlag(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\s*-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(raw)) throw new SimOptionError(flag, `must be a number (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

/** CLI flags -> options, every value checked; throws SimOptionError naming the flag. */
export function parseSimFlags(flags: SimFlags): SimOptions {
  const accounts = (flags.account ?? []).map((pair) => {
    const cut = pair.indexOf(':');
    if (cut <= 0 || cut === pair.length - 1) throw new SimOptionError('--account', `must be LOGIN:PASSWORD (got ${JSON.stringify(pair.slice(0, 40))})`);
    return { login: pair.slice(0, cut), password: pair.slice(cut + 1) };
  });
  const taken = flags.taken === undefined ? undefined : flags.taken.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const options: SimOptions = {
    port: numberFlag('--port', flags.port) ?? SIM_DEFAULTS.port,
    host: flags.host,
    rate: numberFlag('--rate', flags.rate),
    lockSeconds: numberFlag('--lock-seconds', flags.lockSeconds),
    sessions: numberFlag('--sessions', flags.sessions),
    tempFailRate: numberFlag('--temp-fail-rate', flags.tempFailRate),
    dropRate: numberFlag('--drop-rate', flags.dropRate),
    latencyMs: numberFlag('--latency-ms', flags.latencyMs),
    seed: numberFlag('--seed', flags.seed),
    taken,
    credit: numberFlag('--credit', flags.credit),
    transferSeconds: numberFlag('--transfer-seconds', flags.transferSeconds),
    stateFile: flags.stateFile,
    accounts,
  };
  resolveSimOptions(options); // validate now, so the message names the flag before anything starts
  return options;
}
