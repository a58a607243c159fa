// GET / and /dashboard: the dashboard, one HTML page with its style and
// script inlined (so the page is the only thing a token must open; it then
// calls the API with `Authorization: Bearer`). With a token set, open it as
// /?token=<token>. A per-response nonce lets the inline script and style run
// under a strict Content-Security-Policy; no-referrer keeps the token in the
// address bar from leaking.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RouteDeps } from '../app.ts';
import { fromZod } from '../request-schema.ts';
import { errorSchema } from '../response-schemas.ts';

/**
 * The page's files: next to this module's folder when running from source,
 * and in the source tree when running from dist/ (the build compiles
 * TypeScript only; the image and a checkout both carry src/).
 */
export function dashboardDir(): string {
  const candidates = [new URL('../dashboard/', import.meta.url), new URL('../../../../src/api/dashboard/', import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((dir) => existsSync(`${dir}index.html`));
  if (!found) throw new Error(`dashboard files not found (looked in ${candidates.join(', ')})`);
  return found;
}

async function loadPage(): Promise<string> {
  const dir = dashboardDir();
  const [html, css, dom, main] = await Promise.all(['index.html', 'dashboard.css', 'dom.js', 'dashboard.js'].map((f) => readFile(`${dir}${f}`, 'utf8')));
  // Functions as replacements: the script's own `$` must not be read as a pattern.
  return html!.replace('/*STYLE*/', () => css!).replace('/*SCRIPT*/', () => `${dom}\n${main}`);
}

const query = fromZod(z.strictObject({ token: z.string().max(1000, 'is too long').optional() }), 'querystring');

export const dashboardRoutes: FastifyPluginAsync<RouteDeps> = async (app) => {
  const page = await loadPage();
  for (const url of ['/', '/dashboard']) {
    app.get(
      url,
      {
        config: { auth: 'page' },
        schema: {
          tags: ['operations-support'],
          summary: 'The dashboard (HTML); with a token set, open it as /?token=<token>',
          querystring: query,
          response: { 200: { content: { 'text/html': { schema: { type: 'string' } } } }, 400: errorSchema, 401: errorSchema },
        },
      },
      async (_request, reply) => {
        const nonce = randomBytes(16).toString('base64');
        return reply
          .header(
            'content-security-policy',
            `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
          )
          .header('referrer-policy', 'no-referrer')
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(page.replaceAll('__NONCE__', nonce));
      },
    );
  }
};
