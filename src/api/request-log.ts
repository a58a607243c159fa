// One log line per request, written when the reply has gone: method, path,
// status, time (successful reads at debug level). Fastify's own request logging is off: it would log headers
// (Authorization) and the dashboard's ?token=. Query strings are logged with
// `token` masked.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../registrar/mask.ts';

export function maskedUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1***');
}

export function installRequestLog(app: FastifyInstance, logger: Logger): void {
  app.addHook('onResponse', async (request, reply) => {
    const line = { method: request.method, url: maskedUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    // Reads that worked come every second from an open dashboard, a scraper, a health check:
    // debug. Changes and refusals: info.
    if (request.method === 'GET' && reply.statusCode < 400) logger.debug(line, 'request');
    else logger.info(line, 'request');
  });
}
