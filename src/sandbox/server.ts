// startSim: the simulated registrar over node:http. /api/call.cgi and /api/call
// (POST or GET; the body is read as a form whatever its Content-Type) answer in
// the registrar's format; /_sim/* are the admin endpoints.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AccountLimits } from './account-limits.ts';
import { handleAdmin, type AdminDeps } from './admin-routes.ts';
import { answer } from './answer.ts';
import { ApiHandler } from './api-handler.ts';
import { SimClock } from './clock.ts';
import { FaultPlan, type FaultSettings } from './faults.ts';
import { resolveSimOptions, type ResolvedSimOptions, type SimOptions } from './options.ts';
import { Registry } from './registry.ts';
import { SessionStore } from './sessions.ts';
import { CommandLog, SimStats } from './sim-stats.ts';
import { addTakenNames, createInitialState, type EffectCounts, type InitialStateSpec } from './state.ts';
import { applyPersisted, loadStateFile, StateFile, toPersisted } from './state-file.ts';
import { serializeReply } from '../registrar/reply.ts';

export interface SimHandle {
  /** The command endpoint, e.g. http://127.0.0.1:8765/api/call.cgi */
  readonly url: string;
  /** Scheme, host and port; the admin endpoints are under `${baseUrl}/_sim/`. */
  readonly baseUrl: string;
  readonly host: string;
  readonly port: number;
  /** The options in force (defaults filled in), e.g. the seed that was drawn. */
  readonly options: ResolvedSimOptions;
  /** The registry itself, for in-process inspection. */
  readonly registry: Registry;
  /** Sim clock time (ms since the epoch). */
  now(): number;
  /** Move the sim clock forward (transfers due by then complete on the next look). */
  advanceClock(ms: number): void;
  /** Change injected faults while running. */
  setFaults(faults: Partial<FaultSettings>): void;
  /** Back to the initial state, as POST /_sim/reset. */
  reset(): Promise<void>;
  stats(): Record<string, unknown>;
  effects(): Record<string, EffectCounts>;
  close(): Promise<void>;
}

const API_PATHS = new Set(['/api/call.cgi', '/api/call', '/api/call.cgi/', '/api/call/']);
/** Larger bodies answer 507: a registrar command is a few hundred bytes. */
const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage, done: (body: string | undefined) => void): void {
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return; // keep draining, answer 507 at the end
    if (!first) first = chunk;
    else (chunks ??= [first]).push(chunk);
  });
  req.on('end', () => done(size > MAX_BODY_BYTES ? undefined : chunks ? Buffer.concat(chunks).toString('utf8') : (first?.toString('utf8') ?? '')));
  req.on('error', () => undefined); // the client went away: nobody to answer
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSim(input: SimOptions = {}): Promise<SimHandle> {
  const options = resolveSimOptions(input);
  const initial: InitialStateSpec = { accounts: options.accounts, taken: options.taken, credit: options.credit };
  const faultSettings = (): FaultSettings => ({ tempFailRate: options.tempFailRate, dropRate: options.dropRate, latencyMs: options.latencyMs });
  const limitSettings = { rate: options.rate, lockMs: options.lockSeconds * 1000, maxConnections: options.sessions };

  const clock = new SimClock();
  let stateFile: StateFile | undefined;
  const registry = new Registry(clock, { prices: options.prices, transferMs: options.transferSeconds * 1000 }, initial, () => stateFile?.schedule());
  if (options.stateFile) {
    const saved = await loadStateFile(options.stateFile);
    if (saved) {
      clock.setOffset(saved.clockOffsetMs);
      const state = createInitialState(initial, clock.now());
      applyPersisted(state, saved);
      addTakenNames(state, options.taken, clock.now());
      registry.replace(state);
    }
    stateFile = new StateFile(options.stateFile, () => toPersisted(registry.state, clock.offsetMs), options.onError);
    stateFile.schedule();
  }

  const sessions = new SessionStore(clock, options.sessionTtlSeconds * 1000);
  const limits = new AccountLimits(limitSettings);
  const faults = new FaultPlan(options.seed, faultSettings());
  const stats = new SimStats();
  const log = new CommandLog(options.logLimit);
  const timers = new Set<NodeJS.Timeout>();
  const api = new ApiHandler({ registry, clock, sessions, limits, faults, stats, log, timers, onError: options.onError });

  const reset = async (): Promise<void> => {
    clock.setOffset(0);
    registry.reset();
    sessions.clear();
    limits.reset(limitSettings);
    faults.settings = faultSettings();
    faults.reset();
    stats.reset();
    log.reset();
    await stateFile?.flush();
  };
  const admin: AdminDeps = { registry, clock, stats, log, limits, faults, sessions, seed: options.seed, reset };

  const server = createServer({ requireHostHeader: false }, (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (API_PATHS.has(path)) {
      readBody(req, (body) => {
        const form = body === undefined ? undefined : query === '' ? body : body === '' ? query : `${query}&${body}`;
        try {
          api.handle(req, res, form);
        } catch (err) {
          // Nothing may turn into an HTTP error here: clients treat one as a transport failure.
          options.onError(err instanceof Error ? err : new Error(String(err)));
          if (!res.headersSent) {
            res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
            res.end(serializeReply(answer(421, 'internal error')));
          }
        }
      });
      return;
    }
    if (path === '/_sim' || path.startsWith('/_sim/')) {
      readBody(req, (body) => void handleAdmin(admin, req.method ?? 'GET', path.replace(/\/+$/, ''), new URLSearchParams(query), body ?? '', res));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found: the registrar API is at /api/call.cgi, the admin endpoints under /_sim/\n');
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`--port ${options.port}: address ${options.host}:${options.port} is already in use`) : err);
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => options.onError(err));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') socket.destroy();
    else if (err.code === 'HPE_HEADER_OVERFLOW') api.refuseOversizedHead(socket);
    else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'); // as Node does when nobody listens
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://${urlHost(options.host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${baseUrl}/api/call.cgi`,
    baseUrl,
    host: options.host,
    port,
    options,
    registry,
    now: () => clock.now(),
    advanceClock(ms: number) {
      clock.advance(ms);
      registry.settleDue(clock.now());
      registry.changed();
    },
    setFaults(change: Partial<FaultSettings>) {
      Object.assign(faults.settings, change);
    },
    reset,
    stats: () => ({ ...stats.toJSON(), sessions: sessions.size, connections: limits.connections(), seed: options.seed }),
    effects: () => {
      registry.settleDue(clock.now());
      return Object.fromEntries(registry.state.effects);
    },
    close() {
      closing ??= (async () => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await stateFile?.flush();
      })();
      return closing;
    },
  };
}
