// Bearer-token authentication. With a token configured, every route needs
// `Authorization: Bearer <token>` except the ones marked `auth: 'none'`
// (/healthz); the dashboard page (`auth: 'page'`) also takes `?token=`, so a
// browser can open it, and then sends the header itself. Tokens are compared
// as SHA-256 digests with timingSafeEqual: equal lengths, constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'none': no token needed; 'page': the token may come as ?token= (the dashboard page). */
    auth?: 'none' | 'page';
  }
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export const UNAUTHORIZED = 'missing or wrong bearer token: send Authorization: Bearer <DOMAINFLOW_API_TOKEN> (the dashboard: open /?token=<token>)';

export function bearerAuth(token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = digest(token);
  const matches = (given: string | undefined) => given !== undefined && timingSafeEqual(digest(given), expected);
  return async (request) => {
    const mode = request.routeOptions.config?.auth;
    if (mode === 'none') return;
    const header = request.headers.authorization;
    const bearer = header && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
    if (matches(bearer)) return;
    if (mode === 'page') {
      const query = request.query as { token?: unknown } | undefined;
      if (typeof query?.token === 'string' && matches(query.token)) return;
    }
    throw new ApiError(401, UNAUTHORIZED);
  };
}
