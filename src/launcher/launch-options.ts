// What `domainflow start` reads besides the engine's configuration
// (src/engine/config.ts): the API port and host, the worker's concurrency and
// the Redis tried when REDIS_URL is not set. A bad value stops start-up with
// a message naming the variable or flag.
import { isIP } from 'node:net';
import { ConfigError, loadConfig, loadPolicy, type EngineConfig } from '../engine/config.ts';
import { DEFAULT_REDIS_URL } from './private-redis.ts';

export const DEFAULT_API_PORT = 3000;
export const DEFAULT_CONCURRENCY = 8;
/** Operations a `domainflow worker` runs at once unless told: one of several processes, most often. */
export const DEFAULT_WORKER_CONCURRENCY = 4;
/**
 * Commands a second against the embedded simulated registrar when
 * DOMAINFLOW_RATE_LIMIT is not set: half of what the simulator allows (50),
 * so a first batch of 1,000 finishes in under a minute. A real registrar
 * gets the engine's default (1/s) unless the variable says otherwise.
 */
export const EMBEDDED_SIM_RATE = 25;

export interface StartFlags {
  readonly port?: string;
  readonly host?: string;
  readonly concurrency?: string;
}

export interface LaunchOptions {
  readonly config: EngineConfig;
  readonly apiPort: number;
  readonly apiHost: string;
  readonly concurrency: number;
  /** REDIS_URL as given (undefined: try the default, then a private one) */
  readonly redisUrl: string | undefined;
  readonly defaultRedisUrl: string;
  /** Run the simulated registrar in-process (DOMAINFLOW_REGISTRAR_URL not set). */
  readonly embeddedSim: boolean;
  readonly rateLimit: number;
}

function port(name: string, raw: string | undefined, dflt: number): number {
  if (raw === undefined || raw.trim() === '') return dflt;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 65535) throw new ConfigError(`${name} must be a port number from 0 to 65535 (0 = any free port), got ${JSON.stringify(raw)}`, name.replace(/^--/, ''));
  return Number(raw);
}

function count(name: string, raw: string | undefined, dflt: number, emptyIsDefault = true): number {
  if (raw === undefined || (emptyIsDefault && raw.trim() === '')) return dflt;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 1000) throw new ConfigError(`${name} must be a whole number from 1 to 1000, got ${JSON.stringify(raw)}`, name.replace(/^--/, ''));
  return Number(raw);
}

/** Operations at once: the --concurrency flag, else DOMAINFLOW_CONCURRENCY, else `dflt`. Throws ConfigError. */
export function concurrencyOption(env: NodeJS.ProcessEnv, flag: string | undefined, dflt: number): number {
  // A flag given empty is a mistake, not "the default" (an empty variable is: as if unset).
  if (flag !== undefined) return count('--concurrency', flag, dflt, false);
  return count('DOMAINFLOW_CONCURRENCY', env.DOMAINFLOW_CONCURRENCY, dflt);
}

function isRedisUrl(value: string): boolean {
  try {
    return /^rediss?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Everything start needs, validated before anything is started. Throws ConfigError. */
export function launchOptions(env: NodeJS.ProcessEnv, flags: StartFlags = {}): LaunchOptions {
  const config = loadConfig(env);
  loadPolicy(env);
  const apiPort = flags.port !== undefined ? port('--port', flags.port, DEFAULT_API_PORT) : port('DOMAINFLOW_PORT', env.DOMAINFLOW_PORT, DEFAULT_API_PORT);
  const apiHost = flags.host ?? (config.apiToken ? '0.0.0.0' : '127.0.0.1');
  if (flags.host !== undefined && isIP(apiHost) === 0 && apiHost !== 'localhost') throw new ConfigError(`--host must be an IP address or localhost, got ${JSON.stringify(apiHost)}`, 'host');
  if (!isLoopback(apiHost) && !config.apiToken) {
    throw new ConfigError(`--host ${apiHost} would expose the API without a token: set DOMAINFLOW_API_TOKEN, or leave --host out (loopback only)`, 'host');
  }
  const concurrency = concurrencyOption(env, flags.concurrency, DEFAULT_CONCURRENCY);
  const defaultRedisUrl = env.DOMAINFLOW_DEFAULT_REDIS_URL || DEFAULT_REDIS_URL;
  if (!isRedisUrl(defaultRedisUrl)) throw new ConfigError('DOMAINFLOW_DEFAULT_REDIS_URL is not a valid redis:// URL');
  const embeddedSim = config.registrarUrl === undefined;
  const rateLimit = embeddedSim && !env.DOMAINFLOW_RATE_LIMIT ? EMBEDDED_SIM_RATE : config.rateLimit;
  return { config, apiPort, apiHost, concurrency, redisUrl: env.REDIS_URL || undefined, defaultRedisUrl, embeddedSim, rateLimit };
}
