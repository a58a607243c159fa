// The HTTP API and dashboard as a Fastify instance that never listens
// (server.ts does; tests use app.inject()). Each resource is a plugin under
// routes/; requests are validated by zod (request-schema.ts), replies
// serialised by their response schemas, and every error goes through one
// handler (error-handler.ts).
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Runtime } from '../engine/runtime.ts';
import type { Logger } from '../registrar/mask.ts';
import { bearerAuth } from './bearer-auth.ts';
import { frameworkErrorReply, installErrorHandling } from './error-handler.ts';
import { installRequestLog } from './request-log.ts';
import { validatorCompiler } from './request-schema.ts';
import { SHARED_SCHEMAS } from './response-schemas.ts';
import { accountRoutes } from './routes/accounts.ts';
import { batchRoutes } from './routes/batches.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { docsRoutes } from './routes/docs.ts';
import { failureRoutes } from './routes/failures.ts';
import { healthRoutes } from './routes/health.ts';
import { machineRoutes } from './routes/machines.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { operationRoutes } from './routes/operations.ts';
import { redriveRoutes } from './routes/redrive.ts';

export interface AppDeps {
  readonly runtime: Runtime;
  /** The bearer token; default runtime.config.apiToken (DOMAINFLOW_API_TOKEN). None: no authentication. */
  readonly token?: string;
  readonly logger: Logger;
  /** Called with the bare instance before any hook or route is added (server.ts: gracefulClose's tracking). */
  readonly prepare?: (app: FastifyInstance) => void;
}

export interface RouteDeps {
  readonly runtime: Runtime;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { runtime, logger } = deps;
  const token = deps.token ?? runtime.config.apiToken;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, frameworkErrors: (err, _request, reply) => frameworkErrorReply(err, reply) });
  deps.prepare?.(app);
  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app, logger);
  installRequestLog(app, logger);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'domainflow API',
        version: '1.0.0',
        description:
          'Domain operations (register, renew, transfer, delete) run as state machines in a Redis-backed queue. ' +
          'Errors are `{ "error", "field"? }`. With DOMAINFLOW_API_TOKEN set, every route except /healthz needs `Authorization: Bearer <token>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: token ? [{ bearer: [] }] : [],
      tags: [
        { name: 'operations', description: 'single operations: submit, read, list, retry, cancel' },
        { name: 'batches', description: 'many operations at once (JSON array, NDJSON or CSV)' },
        { name: 'account', description: 'the registrar account: breaker, 422 cool-down, pause and resume' },
        { name: 'reference', description: 'failure catalogue, machines' },
        { name: 'operations-support', description: 'health, metrics, this document' },
      ],
    },
    // Shared schemas appear under components/schemas by their $id.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  if (token) app.addHook('onRequest', bearerAuth(token));
  const routeDeps: RouteDeps = { runtime };
  await app.register(healthRoutes, routeDeps);
  await app.register(operationRoutes, routeDeps);
  await app.register(redriveRoutes, routeDeps);
  await app.register(batchRoutes, routeDeps);
  await app.register(accountRoutes, routeDeps);
  await app.register(failureRoutes, routeDeps);
  await app.register(machineRoutes, routeDeps);
  await app.register(metricsRoutes, routeDeps);
  await app.register(docsRoutes, routeDeps);
  await app.register(dashboardRoutes, routeDeps);
  return app;
}
