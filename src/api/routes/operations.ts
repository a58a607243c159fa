// /v1/operations: submit one, read one (with its command history), list,
// retry one from the step that failed, cancel one.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { LIST_MAX } from '../../engine/listing.ts';
import type { OpStatus } from '../../engine/operation.ts';
import { MAX_NAMESERVERS, OPERATION_TYPES, parseSubmission, type Submission } from '../../operations/input.ts';
import { ApiError } from '../api-error.ts';
import type { RouteDeps } from '../app.ts';
import { checkedBy, failureTypeSchema, fromZod, idSchema, wholeNumber, type JsonSchema } from '../request-schema.ts';
import { errorSchema, OP_STATUSES, ref } from '../response-schemas.ts';

const handle = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' };

/** The body's documentation; parseSubmission is its validator (the same as the CLI's and bulk files'). */
const submissionBody: JsonSchema = checkedBy(
  {
    type: 'object',
    required: ['type', 'domain'],
    additionalProperties: false,
    properties: {
      type: { type: 'string', enum: [...OPERATION_TYPES] },
      domain: { type: 'string', description: 'the domain; internationalised names are stored as punycode', example: 'example.com' },
      period: { type: 'integer', minimum: 1, maximum: 10, description: 'years (register, renew, transfer); default 1; not for delete' },
      auth: { type: 'string', description: 'transfer only, and required for it: the auth code; stored encrypted, never returned or logged', writeOnly: true },
      ns: { type: 'array', items: { type: 'string' }, maxItems: MAX_NAMESERVERS, description: 'register only: name servers (default: the account default)' },
      key: { type: 'string', minLength: 1, maxLength: 200, description: 'idempotency key: the same key always names the same operation (answered 200 with it)' },
      expiration: { type: 'string', description: 'renew only: the current expiration (YYYY-MM-DD or YYYY), when known; saves a StatusDomain', example: '2027-11-30' },
      contacts: {
        type: 'object',
        additionalProperties: false,
        description: 'register only: contact handles; missing ones come from the account default',
        properties: { owner: handle, admin: handle, tech: handle, billing: handle },
      },
    },
  },
  (data) => {
    if (data === null || data === undefined) return { ok: false, error: 'body: must be a JSON object such as {"type":"register","domain":"example.com"}', field: 'body' };
    const parsed = parseSubmission(data);
    if (!parsed.ok && parsed.field === 'submission') return { ok: false, error: parsed.error.replace(/^submission:/, 'body:'), field: 'body' };
    return parsed;
  },
);

const idParams = fromZod(z.strictObject({ id: idSchema('an operation') }), 'params');

/**
 * A list's length when none is asked for. Building and sending 100,000 operations takes seconds
 * in the process that, under `domainflow start`, also runs the worker; a client that wants more
 * asks for it, or follows x-next-offset.
 */
const LIST_DEFAULT = 10_000;

const listQuery = fromZod(
  z.strictObject({
    status: z.enum(OP_STATUSES, { error: `must be one of ${OP_STATUSES.join(', ')}` }).optional(),
    type: z
      .enum(OPERATION_TYPES as [string, ...string[]], { error: `must be one of ${OPERATION_TYPES.join(', ')}` })
      .optional()
      .describe('operation type'),
    reason: failureTypeSchema.optional().describe('failure type'),
    batch: idSchema('a batch').optional(),
    offset: wholeNumber(0, 10_000_000).default(0),
    limit: wholeNumber(1, LIST_MAX).default(LIST_DEFAULT),
  }),
  'querystring',
);

/** The filters the contract writes as `?status=&type=&batch=`: empty, they filter nothing. */
const FILTERS = ['status', 'type', 'reason', 'batch'] as const;

interface ListQuery {
  status?: OpStatus;
  type?: Submission['type'];
  reason?: string;
  batch?: string;
  offset: number;
  limit: number;
}

const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema };

export const operationRoutes: FastifyPluginAsync<RouteDeps> = async (app, { runtime }) => {
  const { store } = runtime.engine;

  app.post(
    '/v1/operations',
    {
      schema: {
        tags: ['operations'],
        summary: 'Submit an operation',
        description:
          '202 with the operation: the new one, or the existing one when its idempotency key was submitted before for the same type, domain and period (then with the header x-idempotent-replay: true). ' +
          'Nothing is queued for an invalid body (400), nor when the key already names an operation that asks for something else (409, field key).',
        body: submissionBody,
        response: { 202: ref('Operation'), 400: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { operation, created } = await store.submit(request.body as Submission);
      if (!created) void reply.header('x-idempotent-replay', 'true');
      return reply.code(202).send(operation);
    },
  );

  app.get(
    '/v1/operations/:id',
    { schema: { tags: ['operations'], summary: 'An operation with its command history', params: idParams, response: { 200: ref('OperationWithHistory'), ...errors } } },
    async (request) => {
      const { id } = request.params as { id: string };
      const op = await store.get(id, true);
      if (!op) throw new ApiError(404, `no operation ${id}`, 'id');
      return op;
    },
  );

  app.get(
    '/v1/operations',
    {
      schema: {
        tags: ['operations'],
        summary: 'List operations (a JSON array, as `domainflow list --json`)',
        description:
          'Oldest first; a batch in its own order. `type` filters by operation type (register, renew, transfer, delete), `reason` by failure type; an empty parameter filters nothing. ' +
          `The first ${LIST_DEFAULT.toLocaleString('en-US')} matches unless limit asks for another number (at most ${LIST_MAX.toLocaleString('en-US')}); page with offset and limit. When more match than were sent, the header x-next-offset says where the next page starts.`,
        querystring: listQuery,
        response: { 200: { type: 'array', items: ref('Operation') }, 400: errorSchema },
      },
      preValidation: async (request) => {
        const query = request.query as Record<string, unknown>;
        for (const key of FILTERS) if (query[key] === '') delete query[key];
      },
    },
    async (request, reply) => {
      const q = request.query as ListQuery;
      const { views, more } = await store.listPage({
        ...(q.status ? { status: q.status } : {}),
        ...(q.reason ? { reason: q.reason } : {}),
        ...(q.batch ? { batch: q.batch } : {}),
        ...(q.type ? { type: q.type } : {}),
        offset: q.offset,
        limit: q.limit,
      });
      if (more) void reply.header('x-next-offset', String(q.offset + q.limit));
      return views;
    },
  );

  app.post(
    '/v1/operations/:id/retry',
    {
      schema: {
        tags: ['operations'],
        summary: 'Redrive a failed or cancelled operation from the step that failed',
        description: '409 when it has not failed.',
        params: idParams,
        response: { 202: ref('Operation'), ...errors },
      },
    },
    async (request, reply) => reply.code(202).send(await store.retry((request.params as { id: string }).id)),
  );

  app.post(
    '/v1/operations/:id/cancel',
    {
      schema: {
        tags: ['operations'],
        summary: 'Cancel an operation that has not ended',
        description:
          'A queued or waiting one ends as cancelled at once; a running one stops before its next command (its status still says running). Where the registrar may have acted (a command without a reply, a registration pending), it ends as the registrar says: cancelled when nothing happened. A transfer pending at the registrar is cancelled there first (TransferDomain ACTION=CANCEL). 409 when it has already ended.',
        params: idParams,
        response: { 200: ref('Operation'), ...errors },
      },
    },
    async (request) => store.cancel((request.params as { id: string }).id),
  );
};
