// Closing the API without losing work and without hanging. Fastify's close()
// stops accepting connections, closes the idle keep-alive ones and waits for
// the rest. What it waits for can be of two kinds:
//  - a request in a handler (a batch being submitted, a redrive of thousands):
//    it is let finish, however long it takes, and its connection closes after
//    its response. Cutting it would leave the work half done, the runtime
//    closed under it, and the client with a reset instead of an answer;
//  - a connection with no request in a handler: one that sent half a request
//    and stopped, or whose client never read an answer. Nothing is lost by
//    cutting it, and waiting for it could mean waiting for ever (`domainflow
//    start` never stopped on Ctrl-C). After the grace time it is cut.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../registrar/mask.ts';

export interface GracefulClose {
  /** app.close(), with the connections that hold it and carry no request in a handler cut after `graceMs`. */
  close(): Promise<void>;
}

/** Track `app`'s connections and requests in handlers; call before the app is ready. */
export function gracefulClose(app: FastifyInstance, graceMs: number, logger: Logger): GracefulClose {
  const sockets = new Set<Socket>();
  /** Sockets with a request in a handler, and how many (HTTP/1.1 pipelining: more than one). */
  const busy = new Map<Socket, number>();
  let cutting = false;

  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  const begin = (socket: Socket) => busy.set(socket, (busy.get(socket) ?? 0) + 1);
  const end = (socket: Socket) => {
    const left = (busy.get(socket) ?? 1) - 1;
    if (left > 0) {
      busy.set(socket, left);
      return;
    }
    busy.delete(socket);
    // Past the grace time: the connection goes as soon as its last answer is written.
    if (cutting) socket.end();
  };
  app.addHook('onRequest', (request, _reply, done) => {
    begin(request.raw.socket);
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    end(request.raw.socket);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request.raw.socket);
    done();
  });

  const cut = () => {
    cutting = true;
    const idle = [...sockets].filter((s) => !busy.has(s));
    if (idle.length === 0 && busy.size === 0) return;
    logger.warn({ cut: idle.length, inHandlers: busy.size, graceMs }, 'API stopping: cutting the connections with no request under way; requests in handlers finish first');
    for (const socket of idle) socket.destroy();
  };

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        const timer = setTimeout(cut, graceMs);
        try {
          await app.close();
        } finally {
          clearTimeout(timer);
        }
      })()),
  };
}
