// JSON Schemas of what the API answers: Fastify serialises replies with them
// (a field not listed here is never sent) and the OpenAPI document shows them.
import type { JsonSchema } from './request-schema.ts';

const OPERATION_TYPES = ['register', 'renew', 'transfer', 'delete'];
export const OP_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;

export const errorSchema: JsonSchema = {
  type: 'object',
  description: 'What is wrong; `field` names the input to blame, when one is.',
  required: ['error'],
  properties: {
    error: str,
    field: str,
    rejected: { type: 'array', items: { $ref: 'Rejection#' } },
  },
};

export const rejectionSchema: JsonSchema = {
  $id: 'Rejection',
  type: 'object',
  required: ['line', 'error'],
  properties: { line: { ...int, description: '1-based line of the body (CSV, NDJSON) or position in the JSON array' }, error: str, field: str },
};

const failureSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'code', 'description', 'step'],
  properties: { type: { ...str, description: 'failure type (GET /v1/failures)' }, code: int, description: str, step: { ...str, description: 'the step that failed: a redrive starts here' } },
};

const historyEntrySchema: JsonSchema = {
  type: 'object',
  required: ['command', 'step', 'code', 'description', 'ms', 'attempt', 'at'],
  properties: {
    command: str,
    step: str,
    code: int,
    description: str,
    ms: int,
    attempt: int,
    at: { ...str, format: 'date-time' },
    params: { type: 'object', description: 'the command parameters, secrets masked as ***', additionalProperties: str },
    uncertain: { ...str, description: 'why the outcome is unknown (timeout, connection reset ...)' },
  },
};

const operationProperties = {
  id: str,
  type: { ...str, enum: OPERATION_TYPES },
  domain: str,
  status: { ...str, enum: [...OP_STATUSES] },
  period: int,
  result: { type: 'object', additionalProperties: true, description: 'when it succeeded: expirationDate, transferStatus ...' },
  failure: failureSchema,
  batch: str,
  key: { ...str, description: 'the idempotency key it was submitted with' },
  state: { ...str, description: 'the machine state it is in' },
  nextRunAt: { ...str, format: 'date-time' },
  createdAt: { ...str, format: 'date-time' },
  updatedAt: { ...str, format: 'date-time' },
};

export const operationSchema: JsonSchema = {
  $id: 'Operation',
  type: 'object',
  required: ['id', 'type', 'domain', 'status', 'createdAt', 'updatedAt'],
  properties: operationProperties,
};

export const operationWithHistorySchema: JsonSchema = {
  $id: 'OperationWithHistory',
  type: 'object',
  required: ['id', 'type', 'domain', 'status', 'createdAt', 'updatedAt', 'history'],
  properties: { ...operationProperties, history: { type: 'array', items: historyEntrySchema } },
};

const counts: JsonSchema = {
  type: 'object',
  required: [...OP_STATUSES],
  properties: Object.fromEntries(OP_STATUSES.map((s) => [s, int])),
};

export const batchSummarySchema: JsonSchema = {
  $id: 'BatchSummary',
  type: 'object',
  required: ['batch', 'createdAt', 'total', 'counts', 'done'],
  properties: { batch: str, createdAt: { ...str, format: 'date-time' }, total: int, counts, done: { type: 'boolean', description: 'every operation has ended' }, source: str },
};

export const accountStateSchema: JsonSchema = {
  type: 'object',
  required: ['account', 'breaker', 'lockPauseMs'],
  properties: {
    account: str,
    breaker: {
      type: 'object',
      nullable: true,
      description: 'present when the account is paused: no operation is dispatched until it is resumed',
      required: ['reason', 'at'],
      properties: { reason: str, code: int, operation: str, at: { ...str, format: 'date-time' } },
    },
    lockPauseMs: { ...int, description: 'ms left of a 422 abuse-lock cool-down; 0 when none' },
  },
};

/** Shared schemas, referenced as `Name#`: the OpenAPI document lists them once under components. */
export const SHARED_SCHEMAS: readonly JsonSchema[] = [rejectionSchema, operationSchema, operationWithHistorySchema, batchSummarySchema];

export const ref = (id: string): JsonSchema => ({ $ref: `${id}#` });
