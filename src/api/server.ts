// Listening: the app (app.ts) on a port, loopback only unless a token is set,
// closed gracefully: idle keep-alive connections close at once, in-flight
// requests may finish, and whatever is still open after the grace time is cut
// (a client that opened a connection and never finished a request, or stopped
// reading, would otherwise hold the stop, and with it `domainflow start`, for
// ever). The runtime belongs to the caller and is not closed here.
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../engine/runtime.ts';
import type { Logger } from '../registrar/mask.ts';
import { buildApp } from './app.ts';

export interface ServerOptions {
  readonly runtime: Runtime;
  /** 0: any free port. */
  readonly port: number;
  /** Default 127.0.0.1. Without a token only loopback addresses are allowed. */
  readonly host?: string;
  /** Default runtime.config.apiToken (DOMAINFLOW_API_TOKEN). */
  readonly token?: string;
  readonly logger: Logger;
  /** How long close() lets open requests finish before it cuts their connections; default CLOSE_GRACE_MS. */
  readonly closeGraceMs?: number;
}

export const CLOSE_GRACE_MS = 5_000;

export interface RunningServer {
  /** http://host:port, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export class InsecureHostError extends Error {
  override name = 'InsecureHostError';
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

function urlHost(host: string): string {
  // An "any address" listen is reachable on loopback; that is the URL worth printing.
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { runtime, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? runtime.config.apiToken;
  if (!token && !isLoopback(host)) {
    throw new InsecureHostError(`refusing to listen on ${host} without a token: set DOMAINFLOW_API_TOKEN, or listen on 127.0.0.1`);
  }
  const app = await buildApp({ runtime, logger, ...(token ? { token } : {}) });
  try {
    await app.listen({ port: options.port, host });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${urlHost(host)}:${port}`;
  if (token) logger.info({ url }, 'API listening; every route but /healthz needs the bearer token');
  else logger.info({ url }, 'API listening on loopback only because DOMAINFLOW_API_TOKEN is not set');
  let closing: Promise<void> | undefined;
  const graceMs = options.closeGraceMs ?? CLOSE_GRACE_MS;
  return {
    url,
    port,
    close: () => (closing ??= closeWithin(app, graceMs, logger).then(() => logger.info({ url }, 'API stopped'))),
  };
}

/** app.close(), and after `graceMs` the connections it still waits for closed by force. */
async function closeWithin(app: FastifyInstance, graceMs: number, logger: Logger): Promise<void> {
  const timer = setTimeout(() => {
    app.server.getConnections((_err, open) => {
      logger.warn({ connections: open, graceMs }, 'API stopping: closing the connections still open after the grace time');
      app.server.closeAllConnections();
    });
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
