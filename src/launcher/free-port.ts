// Ports for the servers start runs: the one asked for when it is free,
// otherwise any free one.
import { createServer } from 'node:net';

/** Listen on `port` (0: any) and give the port back; rejects when it is taken. */
function tryListen(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(got));
    });
  });
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  try {
    await tryListen(port, host);
    return true;
  } catch {
    return false;
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return tryListen(0, host);
}

/** `wanted` when it is free (0 means any), else a free port. */
export async function preferredPort(wanted: number, host = '127.0.0.1'): Promise<number> {
  if (wanted !== 0 && (await isPortFree(wanted, host))) return wanted;
  return freePort(host);
}

export function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}
