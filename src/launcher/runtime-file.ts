// ./.domainflow/runtime.json: what a running `domainflow start` tells the other
// terminals of the same installation (its Redis, key prefix, registrar, rate
// and API), so that `npx domainflow register ...` finds the same system
// without any environment. Written when start is up, removed when it stops;
// a file whose process is gone is ignored.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDir } from '../make-dir.ts';

export interface RuntimeFile {
  readonly version: 1;
  /** The `domainflow start` process. */
  readonly pid: number;
  readonly startedAt: string;
  readonly redisUrl: string;
  readonly prefix: string;
  /** The embedded simulated registrar's URL; absent when DOMAINFLOW_REGISTRAR_URL named another. */
  readonly registrarUrl?: string;
  /** Registrar commands a second the running system uses for the account. */
  readonly rateLimit: number;
  readonly apiUrl?: string;
  /** The private redis-server start runs, when it runs one. */
  readonly privateRedis?: { readonly port: number; readonly dir: string };
}

export const DEFAULT_DATA_DIR = '.domainflow';

export function runtimeFilePath(dataDir: string): string {
  return join(dataDir, 'runtime.json');
}

export function dataDirOf(env: NodeJS.ProcessEnv): string {
  return env.DOMAINFLOW_DATA_DIR || DEFAULT_DATA_DIR;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The runtime file as written, and whether its process still runs. */
export function readRuntimeFile(dataDir: string): { readonly file: RuntimeFile; readonly alive: boolean } | undefined {
  let parsed: Partial<RuntimeFile>;
  try {
    parsed = JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')) as Partial<RuntimeFile>;
  } catch {
    return undefined;
  }
  if (parsed.version !== 1 || typeof parsed.pid !== 'number' || typeof parsed.redisUrl !== 'string' || typeof parsed.prefix !== 'string') return undefined;
  return { file: parsed as RuntimeFile, alive: alive(parsed.pid) };
}

/** The runtime file of a `domainflow start` that is still running, if any. */
export function readRunningSystem(dataDir: string): RuntimeFile | undefined {
  const read = readRuntimeFile(dataDir);
  return read?.alive ? read.file : undefined;
}

export function writeRuntimeFile(dataDir: string, file: RuntimeFile): string {
  makeDir(dataDir);
  const path = runtimeFilePath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

/** Remove the file if it is this process's (another start may have replaced it). */
export function removeRuntimeFile(dataDir: string, pid = process.pid): void {
  try {
    const current = JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')) as Partial<RuntimeFile>;
    if (current.pid !== pid) return;
  } catch {
    return;
  }
  rmSync(runtimeFilePath(dataDir), { force: true });
}

/**
 * The environment as a CLI process should see it: when REDIS_URL is not set
 * and a `domainflow start` of this data folder runs, its Redis, and its
 * prefix, registrar and rate where those are not set either. With REDIS_URL
 * set, the environment alone decides.
 */
export function withRunningSystem(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.REDIS_URL) return env;
  const running = readRunningSystem(dataDirOf(env));
  if (!running) return env;
  return {
    ...env,
    REDIS_URL: running.redisUrl,
    DOMAINFLOW_PREFIX: env.DOMAINFLOW_PREFIX || running.prefix,
    ...(!env.DOMAINFLOW_REGISTRAR_URL && running.registrarUrl ? { DOMAINFLOW_REGISTRAR_URL: running.registrarUrl } : {}),
    ...(!env.DOMAINFLOW_RATE_LIMIT ? { DOMAINFLOW_RATE_LIMIT: String(running.rateLimit) } : {}),
  };
}
