// Request validation. One validator per request part, zod or one of our
// parsers (parseSubmission); the JSON Schema a route declares is derived from
// it (or written next to it) for the OpenAPI document. Fastify hands every
// declared request schema to `validatorCompiler`, which runs the validator
// registered for that very schema object; Fastify's own Ajv is not used, so
// the API, the CLI and bulk files refuse input with the same messages.
import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { badRequest } from './api-error.ts';
import { FAILURE_TYPE } from '../../machines/failures.ts';

export type JsonSchema = Record<string, unknown>;

export type Checked = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string; readonly field: string };
export type Validate = (data: unknown) => Checked;

const validators = new WeakMap<object, Validate>();

/** Declare `json` (for the docs) as checked by `validate`. */
export function checkedBy(json: JsonSchema, validate: Validate): JsonSchema {
  validators.set(json, validate);
  return json;
}

/** The first issue as `field: message`; unknown keys are named as the field. */
export function describeIssue(error: z.ZodError, part: string): { error: string; field: string } {
  const issue = error.issues[0];
  if (!issue) return { error: `${part}: invalid`, field: part };
  let path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0] ?? '?'];
    message = part === 'querystring' ? 'unknown query parameter' : 'unknown field';
  }
  const field = path.join('.') || part;
  return { error: `${field}: ${message}`, field };
}

/** A zod schema as a request schema: its input JSON Schema for the docs, itself as the validator. */
export function fromZod(schema: z.ZodType, part: 'body' | 'querystring' | 'params'): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return checkedBy(json, (data) => {
    // Fastify passes null for a missing part; a query string or params are then empty.
    const input = data === null && part !== 'body' ? {} : data === null ? undefined : data;
    const parsed = schema.safeParse(input);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, ...describeIssue(parsed.error, part) };
  });
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema }) => {
  const validate = validators.get(schema as object);
  // A schema without a validator documents a body the handler parses itself (a CSV text).
  if (!validate) return (data: unknown) => ({ value: data });
  return (data: unknown) => {
    const checked = validate(data);
    return checked.ok ? { value: checked.value } : { error: badRequest(checked.error, checked.field) };
  };
};

/** Query parameters that are whole numbers, with a message naming the range. */
export function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** Ids of operations and batches: what idFor() and Batches make, loosely. */
export const idSchema = (what: string) => z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, `must be ${what} id (1 to 64 of A-Z a-z 0-9 _ -)`);

/** A failure type (domain_not_available, ...): the list's `reason`, POST /v1/retry's `reason`. */
export const failureTypeSchema = z.string().regex(FAILURE_TYPE, 'must be a failure type such as domain_not_available (GET /v1/failures lists them)');
