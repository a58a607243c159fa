// Everything a process needs to talk to the engine, built from the
// environment (validated): configuration, the secret box, the backoff policy,
// the engine for the account, and the registrar client.
import type { Contacts } from '../../machines/contract.ts';
import { withRunningSystem } from '../launcher/runtime-file.ts';
import { RegistrarClient } from '../registrar/client.ts';
import type { Logger } from '../registrar/mask.ts';
import { SIM_DEFAULTS } from '../sandbox/defaults.ts';
import { loadConfig, loadPolicy, type EngineConfig } from './config.ts';
import { Engine } from './engine.ts';
import { refuseOlderLayout } from './key-layout.ts';
import { redact, redisAnswers, RedisUnavailableError } from './redis-reach.ts';
import { loadSecretBox } from './secret-box.ts';

export interface Runtime {
  readonly config: EngineConfig;
  readonly engine: Engine;
  /** Created on first use: a CLI that only reads statuses never opens a registrar connection. */
  registrar(): RegistrarClient;
  close(): Promise<void>;
}

export const DEFAULT_REGISTRAR_URL = `http://127.0.0.1:${SIM_DEFAULTS.port}/api/call.cgi`;

/**
 * The contact handles a registration gets when it names none: DOMAINFLOW_DEFAULT_CONTACT for every
 * role; else, for the simulator's demo account, its DEMO-* handles; else none, and the registrar
 * applies the account's own defaults (or refuses with 504, which names the missing contact): a
 * real account does not know the simulator's handles, and would refuse them (545).
 */
export function defaultContacts(config: EngineConfig): Contacts | undefined {
  if (config.defaultContact) {
    const h = config.defaultContact;
    return { owner: h, admin: h, tech: h, billing: h };
  }
  return config.login === SIM_DEFAULTS.login ? { ...SIM_DEFAULTS.contacts } : undefined;
}

/** Name servers of a registration that names none: DOMAINFLOW_DEFAULT_NS; else the simulator's for its demo account; else none. */
export function defaultNameservers(config: EngineConfig): readonly string[] {
  return config.defaultNameservers ?? (config.login === SIM_DEFAULTS.login ? SIM_DEFAULTS.nameservers : []);
}

export function createRuntime(env: NodeJS.ProcessEnv, logger: Logger, overrides: Partial<Pick<EngineConfig, 'registrarUrl'>> = {}): Runtime {
  // With REDIS_URL unset, a running `domainflow start` of this data folder (its runtime.json) says where things are.
  const config = { ...loadConfig(withRunningSystem(env)), ...overrides };
  const policy = loadPolicy(env);
  const contacts = defaultContacts(config);
  const secrets = loadSecretBox(config.secretKey, config.dataDir, (msg) => logger.warn({}, msg));
  const engine = new Engine({
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    account: config.login,
    secrets,
    policy,
    rateLimit: config.rateLimit,
    rateMarginMs: config.rateMarginMs,
    requestTimeoutMs: config.registrarTimeoutMs,
    stallMs: config.stallMs,
    defaults: { ...(contacts ? { contacts } : {}), nameservers: defaultNameservers(config) },
    logger,
  });
  let client: RegistrarClient | undefined;
  return {
    config,
    engine,
    registrar() {
      client ??= new RegistrarClient({
        url: config.registrarUrl ?? DEFAULT_REGISTRAR_URL,
        login: config.login,
        password: config.password,
        timeoutMs: config.registrarTimeoutMs,
        maxConnections: config.maxConnections,
        connectionGate: engine.connectionLeases(config.maxConnections),
        logger,
      });
      return client;
    },
    async close() {
      // The client first: its connections close before their permits go back.
      await client?.close();
      await engine.close();
    },
  };
}

/** How long a process waits at start for Redis to answer before it says there is none. */
export const REDIS_ANSWER_TIMEOUT_MS = 5_000;

/**
 * Make sure Redis answers, then createRuntime: a Redis that is not there is an error
 * naming REDIS_URL at once, not a command that waits for it forever; data under the
 * older key layout is an error naming DOMAINFLOW_PREFIX (see key-layout.ts).
 */
export async function openRuntime(env: NodeJS.ProcessEnv, logger: Logger, overrides: Partial<Pick<EngineConfig, 'registrarUrl'>> = {}): Promise<Runtime> {
  const { redisUrl, prefix, login } = loadConfig(withRunningSystem(env));
  if (!(await redisAnswers(redisUrl, REDIS_ANSWER_TIMEOUT_MS))) {
    const hint = env.REDIS_URL ? '' : ' (set REDIS_URL, or run `domainflow start`, which starts one)';
    throw new RedisUnavailableError(`REDIS_URL: no Redis answers at ${redact(redisUrl)}${hint}`);
  }
  await refuseOlderLayout(redisUrl, prefix, login);
  return createRuntime(env, logger, overrides);
}
