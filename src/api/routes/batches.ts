// /v1/batches: many operations in one body (a JSON array, NDJSON or CSV),
// validated line by line: the good lines are queued, the bad ones listed with
// their line numbers. A batch of registrations checks availability first, 32
// names a CheckDomains command (engine/batches.ts).
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { detectFormat, parseBulk, type BulkFormat } from '../../operations/bulk-input.ts';
import { ApiError, badRequest } from '../api-error.ts';
import type { RouteDeps } from '../app.ts';
import { fromZod, idSchema, wholeNumber } from '../request-schema.ts';
import { errorSchema, ref } from '../response-schemas.ts';

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const FORMATS: Readonly<Record<string, BulkFormat | undefined>> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
  // text/plain: whichever the text looks like
  'text/plain': undefined,
  // what `curl --data-binary @file` sends when not told otherwise: the file as it is, detected too
  'application/x-www-form-urlencoded': undefined,
};

const submitQuery = fromZod(
  z.strictObject({
    source: z
      .string()
      .regex(/^[\x20-\x7e]{1,120}$/, 'must be 1 to 120 printable ASCII characters')
      .optional()
      .describe('where the batch came from (a file name); shown by GET /v1/batches'),
  }),
  'querystring',
);
const listQuery = fromZod(z.strictObject({ limit: wholeNumber(1, 200).default(20) }), 'querystring');
const idParams = fromZod(z.strictObject({ id: idSchema('a batch') }), 'params');

const itemSchema = {
  type: 'object',
  required: ['type', 'domain'],
  properties: { type: { type: 'string' }, op: { type: 'string', description: 'the same as type' }, domain: { type: 'string' }, period: { type: 'integer' }, auth: { type: 'string' }, ns: { type: 'array', items: { type: 'string' } }, key: { type: 'string' } },
};
/** Documentation only: the handler parses the text itself (parseBulk). */
const body = {
  content: {
    'application/json': { schema: { type: 'array', items: itemSchema } },
    'application/x-ndjson': { schema: { type: 'string', description: 'one JSON object a line' } },
    'text/csv': { schema: { type: 'string', description: 'a header line with op (or type) and domain, then period, auth, ns, key, owner as needed', example: 'op,domain,period\nregister,example.com,1\n' } },
    'text/plain': { schema: { type: 'string', description: 'CSV or NDJSON, detected from the text' } },
    'application/x-www-form-urlencoded': { schema: { type: 'string', description: 'the file as it is (curl --data-binary): detected as text/plain' } },
  },
};

const submittedSchema = {
  type: 'object',
  required: ['batch', 'accepted', 'rejected', 'operations'],
  properties: {
    batch: { type: 'string' },
    accepted: { type: 'integer', description: 'operations queued' },
    rejected: { type: 'array', items: ref('Rejection') },
    operations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['line', 'id', 'type', 'domain', 'status'],
        properties: { line: { type: 'integer' }, id: { type: 'string' }, type: { type: 'string' }, domain: { type: 'string' }, status: { type: 'string' } },
      },
    },
    checkCommands: { type: 'integer', description: 'CheckDomains commands the availability check cost' },
  },
};

function formatOf(contentType: string | undefined, text: string): BulkFormat {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return FORMATS[media] ?? detectFormat(text);
}

export const batchRoutes: FastifyPluginAsync<RouteDeps> = async (app, { runtime }) => {
  const { batches } = runtime.engine;
  // In this plugin only: every accepted body arrives as text, parsed line by line below.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(Object.keys(FORMATS), { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_request, text, done) => done(null, text));

  app.post(
    '/v1/batches',
    {
      bodyLimit: MAX_BODY_BYTES,
      schema: {
        tags: ['batches'],
        summary: 'Submit a batch',
        description:
          'The body is a JSON array, NDJSON or CSV (Content-Type application/json, application/x-ndjson, text/csv, or text/plain to detect it; application/x-www-form-urlencoded, as curl --data-binary sends a file, is detected too). ' +
          'Good lines are queued, bad lines are listed in `rejected` with their line numbers (nothing is queued for them). ' +
          'When no line is valid, nothing is queued: 400 with `rejected`. A batch of registrations checks availability first ' +
          '(32 names a registrar command, through the account rate), so the reply can take a while for a large batch.',
        querystring: submitQuery,
        body,
        response: { 202: submittedSchema, 400: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const text = typeof request.body === 'string' ? request.body : '';
      if (text.trim() === '') throw badRequest('body: empty; send a JSON array, NDJSON (a JSON object a line) or CSV with a header such as op,domain,period', 'body');
      const format = formatOf(request.headers['content-type'], text);
      if (format === 'json') {
        // parseBulk's own message quotes the parser's, which can quote the body (an auth code): check here first.
        try {
          JSON.parse(text);
        } catch {
          throw badRequest('body: not valid JSON (send a JSON array of operations)', 'body');
        }
      }
      const parsed = parseBulk(text, format);
      if (parsed.items.length === 0) {
        const only = parsed.rejected.length === 1 && !parsed.rejected[0]!.field ? parsed.rejected[0]!.error : undefined;
        throw new ApiError(400, only ?? `body: none of the ${parsed.rejected.length} ${format === 'json' ? 'items' : 'lines'} is a valid operation (see rejected); nothing was queued`, 'body', parsed.rejected);
      }
      const submissions = parsed.items.map((item) => item.submission);
      const registers = submissions.some((s) => s.type === 'register');
      const query = request.query as { source?: string };
      const submitted = await batches.submit(submissions, { ...(registers ? { registrar: runtime.registrar() } : {}), source: query.source ?? 'api' });
      // A line whose idempotency key names another operation is refused like an invalid one.
      const conflicts = submitted.rejected.map((r) => ({ line: parsed.items[r.index]!.line, error: r.error, field: r.field }));
      return reply.code(202).send({
        batch: submitted.batch,
        accepted: submitted.operations.length,
        rejected: [...parsed.rejected, ...conflicts].sort((a, b) => a.line - b.line),
        operations: submitted.operations.map((op, i) => ({ line: parsed.items[submitted.indices[i]!]!.line, id: op.id, type: op.type, domain: op.domain, status: op.status })),
        checkCommands: submitted.checkCommands,
      });
    },
  );

  app.get(
    '/v1/batches',
    { schema: { tags: ['batches'], summary: 'Recent batches, newest first, with their counts by status', querystring: listQuery, response: { 200: { type: 'array', items: ref('BatchSummary') }, 400: errorSchema } } },
    async (request) => batches.list((request.query as { limit: number }).limit),
  );

  app.get(
    '/v1/batches/:id',
    { schema: { tags: ['batches'], summary: "A batch's counts by status", params: idParams, response: { 200: ref('BatchSummary'), 400: errorSchema, 404: errorSchema } } },
    async (request) => {
      const { id } = request.params as { id: string };
      const summary = await batches.progress(id);
      if (!summary) throw new ApiError(404, `no batch ${id}`, 'id');
      return summary;
    },
  );
};
