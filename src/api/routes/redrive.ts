// POST /v1/retry: redrive every failed operation of a failure type, of a
// batch, or both (the dashboard's "redrive" button on a failure group).
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RouteDeps } from '../app.ts';
import { fromZod, idSchema } from '../request-schema.ts';
import { errorSchema, ref } from '../response-schemas.ts';

const body = fromZod(
  z
    .strictObject(
      {
        type: z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be a failure type such as retries_exhausted (GET /v1/failures lists them)').optional(),
        batch: idSchema('a batch').optional(),
      },
      { error: 'must be a JSON object such as {"type":"retries_exhausted"} or {"batch":"b_..."}' },
    )
    .refine((b) => b.type !== undefined || b.batch !== undefined, { error: 'give a failure type, a batch, or both', path: ['type'] }),
  'body',
);

export const redriveRoutes: FastifyPluginAsync<RouteDeps> = async (app, { runtime }) => {
  app.post(
    '/v1/retry',
    {
      schema: {
        tags: ['operations'],
        summary: 'Redrive many failed operations (by failure type and/or batch) from the steps that failed',
        body,
        response: {
          202: { type: 'object', required: ['redriven', 'operations'], properties: { redriven: { type: 'integer' }, operations: { type: 'array', items: ref('Operation') } } },
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const filter = request.body as { type?: string; batch?: string };
      const operations = await runtime.engine.store.retryMany(filter);
      return reply.code(202).send({ redriven: operations.length, operations });
    },
  );
};
