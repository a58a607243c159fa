// The one place where an error becomes a reply: JSON `{ "error", "field"? }`
// with the right status. Messages never quote a request body: a JSON parser's
// message can carry a piece of it (an auth code), so those are replaced.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AccountPausedError } from '../engine/availability.ts';
import { UnknownValueError } from '../engine/errors.ts';
import { ConflictError, NotFoundError } from '../engine/store.ts';
import type { Logger } from '../registrar/mask.ts';
import { ApiError, type Rejection } from './api-error.ts';

interface ErrorBody {
  error: string;
  field?: string;
  rejected?: readonly Rejection[];
}

/** Fastify's own client errors, by code, in words that say what to send instead. */
const FASTIFY_MESSAGES: Readonly<Record<string, (contentType: string) => ErrorBody>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => ({ error: 'body: not valid JSON', field: 'body' }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ({ error: 'body: empty, but the content-type says JSON (send a JSON object, or no content-type)', field: 'body' }),
  FST_ERR_CTP_BODY_TOO_LARGE: () => ({ error: 'body: too large', field: 'body' }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (contentType) => ({ error: `content-type: ${JSON.stringify(contentType.slice(0, 80))} is not accepted here`, field: 'content-type' }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => ({ error: 'content-length: does not match the body', field: 'content-length' }),
};

function statusAndBody(err: unknown, contentType: string): { status: number; body: ErrorBody } {
  if (err instanceof ApiError) {
    return { status: err.statusCode, body: { error: err.message, ...(err.field ? { field: err.field } : {}), ...(err.rejected ? { rejected: err.rejected } : {}) } };
  }
  if (err instanceof NotFoundError) return { status: 404, body: { error: err.message, field: 'id' } };
  if (err instanceof UnknownValueError) return { status: 400, body: { error: err.message, field: err.field } };
  if (err instanceof ConflictError) return { status: 409, body: { error: err.message, ...(err.field ? { field: err.field } : {}) } };
  if (err instanceof AccountPausedError) return { status: 409, body: { error: err.message } };
  const fe = err as Partial<FastifyError>;
  if (err instanceof SyntaxError) return { status: 400, body: { error: 'body: not valid JSON', field: 'body' } };
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const known = fe.code ? FASTIFY_MESSAGES[fe.code] : undefined;
    // Fastify's other messages are fixed texts (no request data in them).
    return { status, body: known ? known(contentType) : { error: fe.code?.startsWith('FST_') && fe.message ? fe.message : 'bad request' } };
  }
  return { status: status >= 500 && status < 600 ? status : 500, body: { error: 'internal error (see the API log)' } };
}

/**
 * For Fastify's `frameworkErrors`: errors it meets before routing (a URL it cannot decode), in the
 * same shape as every other error.
 */
export function frameworkErrorReply(err: FastifyError, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).type('application/json').send({ error: 'url: not a valid URL (a % not followed by two hex digits?)', field: 'url' });
    return;
  }
  const { status, body } = statusAndBody(err, '');
  void reply.code(status).type('application/json').send(body);
}

export function installErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err, request, reply) => {
    const { status, body } = statusAndBody(err, request.headers['content-type'] ?? '');
    if (status >= 500) {
      // The message, not the request: the body may hold secrets.
      logger.error({ method: request.method, route: request.routeOptions.url, err: err instanceof Error ? err.message : String(err) }, 'request failed');
    }
    return reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    return reply.code(404).send({ error: `no route ${request.method} ${path}` });
  });
}
