// /v1/accounts/current: the registrar account the engine runs for: its
// breaker (paused by an account-level failure or by hand) and its 422
// abuse-lock cool-down; pause and resume.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RouteDeps } from '../app.ts';
import { fromZod } from '../request-schema.ts';
import { accountStateSchema, errorSchema } from '../response-schemas.ts';

const noQuery = fromZod(z.strictObject({}), 'querystring');
const pauseBody = fromZod(
  z.strictObject({ reason: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional() }, { error: 'must be a JSON object such as {"reason":"maintenance"}' }).optional(),
  'body',
);

export const accountRoutes: FastifyPluginAsync<RouteDeps> = async (app, { runtime }) => {
  const { account } = runtime.engine;
  const response = { 200: accountStateSchema, 400: errorSchema };

  app.get(
    '/v1/accounts/current',
    { schema: { tags: ['account'], summary: "The account's breaker and 422 cool-down", querystring: noQuery, response } },
    async () => account.state(),
  );

  app.post(
    '/v1/accounts/current/pause',
    {
      schema: {
        tags: ['account'],
        summary: "Stop dispatching the account's operations (they stay queued)",
        description: 'Opens the breaker by hand; the body is optional.',
        body: pauseBody,
        response,
      },
    },
    async (request) => {
      const reason = (request.body as { reason?: string } | undefined)?.reason;
      await account.pause(reason ?? 'paused by an operator (API)');
      return account.state();
    },
  );

  app.post(
    '/v1/accounts/current/resume',
    { schema: { tags: ['account'], summary: "Close the account's breaker and dispatch again", response } },
    async () => {
      await account.resume();
      return account.state();
    },
  );
};
