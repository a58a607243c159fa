// GET /metrics: Prometheus text format (src/metrics/exposition.ts). Workers
// feed the counters through Redis, so this process need not run any.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../../metrics/exposition.ts';
import type { RouteDeps } from '../app.ts';
import { fromZod } from '../request-schema.ts';
import { errorSchema } from '../response-schemas.ts';

const query = fromZod(z.strictObject({}), 'querystring');

export const metricsRoutes: FastifyPluginAsync<RouteDeps> = async (app, { runtime }) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations-support'],
        summary: 'Prometheus metrics',
        querystring: query,
        response: { 200: { content: { 'text/plain': { schema: { type: 'string' } } } }, 400: errorSchema },
      },
    },
    async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(await renderMetrics(runtime.engine)),
  );
};
