// `domainflow start`: the whole system on one machine. Redis (given, default
// or private), the simulated registrar (unless DOMAINFLOW_REGISTRAR_URL names
// a registrar), a worker, and the API with its dashboard; runtime.json tells
// other terminals where it all is. stop() takes it down in the reverse order.
import { join, resolve } from 'node:path';
import { refuseOlderLayout } from '../engine/key-layout.ts';
import { createRuntime, type Runtime } from '../engine/runtime.ts';
import type { WorkerOptions } from '../engine/engine.ts';
import type { Logger } from '../registrar/mask.ts';
import { closeUnlessRedisGone } from '../stop-signals.ts';
import { SIM_DEFAULTS, startSim, type SimHandle } from '../sandbox/index.ts';
import { isAddressInUse, preferredPort } from './free-port.ts';
import type { LaunchOptions } from './launch-options.ts';
import { redact, resolveRedis, shutdownLeftover, type ResolvedRedis } from './private-redis.ts';
import { readRuntimeFile, removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts';

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export type ApiStarter = (options: { runtime: Runtime; port: number; host?: string; token?: string; logger: Logger }) => Promise<ApiServer>;

export interface LaunchDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** The HTTP API and dashboard (src/api/server.ts); none: no API. */
  readonly startApi?: ApiStarter;
  /** Hooks for the worker (metrics); close() runs once the worker has stopped. */
  readonly workerHooks?: (runtime: Runtime) => WorkerHooks;
}

export interface LaunchedSystem {
  readonly runtime: Runtime;
  readonly redis: { readonly url: string; readonly source: ResolvedRedis['source']; readonly dir?: string };
  readonly registrarUrl: string;
  /** The simulator's admin endpoints, when it is the embedded one. */
  readonly simAdminUrl?: string;
  readonly api?: ApiServer;
  readonly dataDir: string;
  readonly runtimeFile: string;
  readonly rateLimit: number;
  readonly concurrency: number;
  /** Stop everything: the worker hands back in-flight steps, servers close, a private Redis shuts down. */
  stop(): Promise<void>;
}

export interface WorkerHooks extends Pick<WorkerOptions, 'onCommand' | 'onFinal'> {
  close?(): Promise<void>;
}

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

async function startEmbeddedSim(dataDir: string, login: string, password: string, onError: (err: Error) => void): Promise<SimHandle> {
  const options = {
    host: SIM_DEFAULTS.host,
    stateFile: join(dataDir, 'sim-state.json'),
    ...(login !== SIM_DEFAULTS.login ? { accounts: [{ login, password }] } : {}),
    onError,
  };
  try {
    return await startSim({ ...options, port: await preferredPort(SIM_DEFAULTS.port) });
  } catch (err) {
    if (!isAddressInUse(err)) throw err;
    return startSim({ ...options, port: 0 });
  }
}

async function startApiServer(startApi: ApiStarter, runtime: Runtime, options: LaunchOptions, logger: Logger): Promise<ApiServer> {
  const token = options.config.apiToken;
  const base = { runtime, host: options.apiHost, ...(token ? { token } : {}), logger };
  const port = await preferredPort(options.apiPort, options.apiHost === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1');
  try {
    return await startApi({ ...base, port });
  } catch (err) {
    // Taken between the probe and the listen: any free port will do.
    if (!isAddressInUse(err)) throw err;
    return startApi({ ...base, port: 0 });
  }
}

export async function launch(options: LaunchOptions, deps: LaunchDeps): Promise<LaunchedSystem> {
  const { logger } = deps;
  const dataDir = resolve(options.config.dataDir);
  const previous = readRuntimeFile(dataDir);
  if (previous?.alive && previous.file.pid !== process.pid) {
    throw new AlreadyRunningError(
      `domainflow start is already running for ${dataDir} (pid ${previous.file.pid}${previous.file.apiUrl ? `, API ${previous.file.apiUrl}` : ''}): stop it first, or use another DOMAINFLOW_DATA_DIR`,
    );
  }
  const redisDir = join(dataDir, 'redis');
  if (previous && !previous.alive && previous.file.privateRedis && (await shutdownLeftover(previous.file.privateRedis.port, redisDir))) {
    logger.warn({ port: previous.file.privateRedis.port }, 'shut down the private redis-server a killed start left running');
  }

  const undo: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'stopping'));
  };
  try {
    const redis = await resolveRedis({ redisUrl: options.redisUrl, defaultUrl: options.defaultRedisUrl, dir: redisDir, onNote: (msg) => logger.info({}, msg) });
    if (redis.private) {
      const p = redis.private;
      undo.push(() => p.stop());
    }

    let sim: SimHandle | undefined;
    if (options.embeddedSim) {
      sim = await startEmbeddedSim(dataDir, options.config.login, options.config.password, (err) => logger.error({ err: err.message }, 'simulated registrar'));
      const s = sim;
      undo.push(() => s.close());
    }
    const registrarUrl = sim?.url ?? options.config.registrarUrl!;

    // The runtime sees exactly what start resolved, whatever a runtime.json says.
    const env: NodeJS.ProcessEnv = {
      ...deps.env,
      REDIS_URL: redis.url,
      DOMAINFLOW_PREFIX: options.config.prefix,
      DOMAINFLOW_REGISTRAR_URL: registrarUrl,
      DOMAINFLOW_RATE_LIMIT: String(options.rateLimit),
      DOMAINFLOW_DATA_DIR: dataDir,
    };
    await refuseOlderLayout(redis.url, options.config.prefix, options.config.login);
    const runtime = createRuntime(env, logger);
    undo.push(() => runtime.close());
    const hooks = deps.workerHooks?.(runtime);
    if (hooks?.close) {
      const h = hooks;
      undo.push(() => h.close!());
    }
    const worker = runtime.engine.startWorker({
      registrar: runtime.registrar(),
      concurrency: options.concurrency,
      ...(hooks?.onCommand ? { onCommand: hooks.onCommand } : {}),
      ...(hooks?.onFinal ? { onFinal: hooks.onFinal } : {}),
    });
    undo.push(async () => {
      // Without Redis nothing can be handed back: after a few seconds, drop the connections and go on stopping.
      if ((await closeUnlessRedisGone(() => runtime.engine.reachable(), () => worker.close())) === 'abandoned') {
        logger.error({}, 'worker stopped without Redis: in-flight operations are taken over after the stall time once Redis is back');
        runtime.engine.disconnect();
      }
    });
    logger.info({ queue: runtime.engine.keys.queue, concurrency: options.concurrency, rateLimit: options.rateLimit }, 'worker started');

    let api: ApiServer | undefined;
    if (deps.startApi) {
      api = await startApiServer(deps.startApi, runtime, options, logger);
      const a = api;
      undo.push(() => a.close());
    }

    const runtimeFile = writeRuntimeFile(dataDir, {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      redisUrl: redis.url,
      prefix: options.config.prefix,
      ...(sim ? { registrarUrl: sim.url } : {}),
      rateLimit: options.rateLimit,
      ...(api ? { apiUrl: api.url } : {}),
      ...(redis.private ? { privateRedis: { port: redis.private.port, dir: redis.private.dir } } : {}),
    });
    undo.push(async () => removeRuntimeFile(dataDir));
    logger.info({ redis: redact(redis.url), redisSource: redis.source, registrar: registrarUrl, api: api?.url, runtimeFile }, 'domainflow started');

    let stopping: Promise<void> | undefined;
    return {
      runtime,
      redis: { url: redis.url, source: redis.source, ...(redis.private ? { dir: redis.private.dir } : {}) },
      registrarUrl,
      ...(sim ? { simAdminUrl: `${sim.baseUrl}/_sim` } : {}),
      ...(api ? { api } : {}),
      dataDir,
      runtimeFile,
      rateLimit: options.rateLimit,
      concurrency: options.concurrency,
      stop: () => (stopping ??= unwind()),
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
