// GET /healthz: Redis answers a ping and the queue can be read. No token
// needed (load balancers, compose health checks); 503 when either fails.
import type { FastifyPluginAsync } from 'fastify';
import type { RouteDeps } from '../app.ts';

const CHECK_TIMEOUT_MS = 2_000;

/** The engine's Redis connection queues commands while Redis is away: a check must not wait for it. */
async function check(what: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([what().then(() => 'ok'), timeout]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

const healthSchema = {
  type: 'object',
  required: ['status', 'redis', 'queue'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    redis: { type: 'string', description: '"ok" or what went wrong' },
    queue: { type: 'string', description: '"ok" or what went wrong' },
    uptimeSeconds: { type: 'integer' },
  },
};

export const healthRoutes: FastifyPluginAsync<RouteDeps> = async (app, { runtime }) => {
  const { engine } = runtime;
  const started = Date.now();
  app.get(
    '/healthz',
    {
      config: { auth: 'none' },
      schema: { tags: ['operations-support'], summary: 'Redis and the queue are reachable (no token needed)', security: [], response: { 200: healthSchema, 503: healthSchema } },
    },
    async (_request, reply) => {
      const [redis, queue] = await Promise.all([check(() => engine.redis.ping()), check(() => engine.queue.getJobCounts('waiting'))]);
      const ok = redis === 'ok' && queue === 'ok';
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', redis, queue, uptimeSeconds: Math.round((Date.now() - started) / 1000) });
    },
  );
};
