// POST /v1/retry: redrive every failed operation of a failure type, of a
// batch, or both (the dashboard's "redrive" button on a failure group).
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RouteDeps } from '../app.ts';
import { failureTypeSchema, fromZod, idSchema } from '../request-schema.ts';
import { errorSchema, ref } from '../response-schemas.ts';

const body = fromZod(
  z
    .strictObject(
      {
        reason: failureTypeSchema.optional(),
        /** The same as reason (its first name here). */
        type: failureTypeSchema.optional(),
        batch: idSchema('a batch').optional(),
      },
      { error: 'must be a JSON object such as {"reason":"retries_exhausted"} or {"batch":"b_..."}' },
    )
    .refine((b) => b.reason === undefined || b.type === undefined || b.reason === b.type, { error: 'reason and type name the same filter: give one', path: ['type'] })
    .refine((b) => b.reason !== undefined || b.type !== undefined || b.batch !== undefined, { error: 'give a failure type (reason), a batch, or both', path: ['reason'] }),
  'body',
);

export const redriveRoutes: FastifyPluginAsync<RouteDeps> = async (app, { runtime }) => {
  app.post(
    '/v1/retry',
    {
      schema: {
        tags: ['operations'],
        summary: 'Redrive many failed operations (by failure type and/or batch) from the steps that failed',
        description: '`reason` is the failure type, as in `GET /v1/operations?reason=` and `domainflow retry --reason`; `type` is accepted for it too.',
        body,
        response: {
          202: { type: 'object', required: ['redriven', 'operations'], properties: { redriven: { type: 'integer' }, operations: { type: 'array', items: ref('Operation') } } },
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { reason, type, batch } = request.body as { reason?: string; type?: string; batch?: string };
      const failure = reason ?? type;
      const operations = await runtime.engine.store.retryMany({ ...(failure ? { reason: failure } : {}), ...(batch ? { batch } : {}) });
      return reply.code(202).send({ redriven: operations.length, operations });
    },
  );
};
