// Listening: the app (app.ts) on a port, loopback only unless a token is set,
// closed gracefully (graceful-close.ts): idle keep-alive connections close at
// once, requests in handlers finish, and connections with none that still hold
// the close after the grace time are cut. The runtime belongs to the caller and
// is not closed here.
import type { Runtime } from '../engine/runtime.ts';
import type { Logger } from '../registrar/mask.ts';
import { buildApp } from './app.ts';
import { gracefulClose, type GracefulClose } from './graceful-close.ts';

export interface ServerOptions {
  readonly runtime: Runtime;
  /** 0: any free port. */
  readonly port: number;
  /** Default 127.0.0.1. Without a token only loopback addresses are allowed. */
  readonly host?: string;
  /** Default runtime.config.apiToken (DOMAINFLOW_API_TOKEN). */
  readonly token?: string;
  readonly logger: Logger;
  /** How long close() waits before it cuts the connections that hold it with no request in a handler; default CLOSE_GRACE_MS. */
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
  let closer: GracefulClose | undefined;
  const graceMs = options.closeGraceMs ?? CLOSE_GRACE_MS;
  const app = await buildApp({ runtime, logger, ...(token ? { token } : {}), prepare: (bare) => (closer = gracefulClose(bare, graceMs, logger)) });
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
  return {
    url,
    port,
    close: () => (closing ??= closer!.close().then(() => logger.info({ url }, 'API stopped'))),
  };
}
