// GET /v1/failures: the failure catalogue (what each type means and what to
// do), with how many operations have failed with each type right now.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { FAILURES } from '../../../machines/failures.ts';
import type { RouteDeps } from '../app.ts';
import { fromZod } from '../request-schema.ts';
import { errorSchema } from '../response-schemas.ts';

const query = fromZod(z.strictObject({}), 'querystring');

const failureInfoSchema = {
  type: 'object',
  required: ['type', 'source', 'text', 'failed'],
  properties: {
    type: { type: 'string' },
    code: { type: 'integer', description: 'the return code it stands for, when it is one code' },
    source: { type: 'string', enum: ['registrar', 'operation', 'engine'] },
    text: { type: 'string', description: 'what it means and what to do' },
    failed: { type: 'integer', description: 'operations failed with this type now (cancelled ones are not counted)' },
  },
};

const UNLISTED = 'Not in the catalogue: the engine recorded an error of its own; read the description, fix the cause, then redrive.';

export const failureRoutes: FastifyPluginAsync<RouteDeps> = async (app, { runtime }) => {
  app.get(
    '/v1/failures',
    {
      schema: {
        tags: ['reference'],
        summary: 'The failure catalogue with the number of failed operations of each type',
        description: 'Catalogue order; types seen that the catalogue lacks come last. Redrive a type with POST /v1/retry {"reason"}.',
        querystring: query,
        response: { 200: { type: 'array', items: failureInfoSchema }, 400: errorSchema },
      },
    },
    async () => {
      const counts = await runtime.engine.store.failureCounts();
      const listed = FAILURES.map((f) => ({ ...f, failed: counts.get(f.type) ?? 0 }));
      const known = new Set(FAILURES.map((f) => f.type));
      const unlisted = [...counts].filter(([type]) => !known.has(type)).map(([type, n]) => ({ type, source: 'engine' as const, text: UNLISTED, failed: n }));
      return [...listed, ...unlisted];
    },
  );
};
