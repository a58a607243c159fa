// What every CLI command shares: building the runtime from the environment,
// closing it, and the exit-code conventions (0 ok, 1 failed operation or
// runtime error, 2 invalid input).
import { ConfigError } from '../engine/config.ts';
import { ConflictError, NotFoundError, UnknownValueError } from '../engine/errors.ts';
import { openRuntime, type Runtime } from '../engine/runtime.ts';
import { SecretKeyError } from '../engine/secret-box.ts';
import { createLogger } from '../logger.ts';

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/**
 * What an error means to a script: exit 2 for invalid input (a usage error, a bad environment
 * variable or secret key, an unknown operation id or failure type, an idempotency key that names
 * another request),
 * 1 for anything else (no Redis, a failure at run time); the field to blame, when there is one.
 */
export function failureOf(err: unknown): { code: 1 | 2; message: string; field?: string } {
  const message = err instanceof Error ? err.message : String(err);
  const field = err instanceof UsageError || err instanceof ConflictError || err instanceof UnknownValueError || err instanceof ConfigError ? err.field : err instanceof NotFoundError ? 'id' : undefined;
  const usage = err instanceof UsageError || err instanceof NotFoundError || err instanceof UnknownValueError || (err instanceof ConflictError && err.field !== undefined) || err instanceof ConfigError || err instanceof SecretKeyError;
  return { code: usage ? 2 : 1, message, ...(field ? { field } : {}) };
}

/** Say what went wrong (a `{ error, field? }` line on stdout with --json, else on stderr); the exit code it means. */
export function reportFailure(err: unknown, json: boolean | undefined): 1 | 2 {
  const failure = failureOf(err);
  if (json) printJson({ error: failure.message, ...(failure.field ? { field: failure.field } : {}) });
  else console.error(`domainflow: ${failure.message}`);
  return failure.code;
}

/**
 * Run `fn` with a runtime; map errors to exit codes and messages (JSON with --json). `validate`
 * checks the input first, before Redis is asked for: invalid input is exit 2 whether or not
 * Redis answers.
 */
export async function withRuntime(json: boolean | undefined, fn: (rt: Runtime) => Promise<number | void>, validate?: () => void): Promise<void> {
  let runtime: Runtime | undefined;
  let code = 0;
  try {
    validate?.();
    runtime = await openRuntime(process.env, createLogger('cli', process.env.LOG_LEVEL || 'warn'));
    code = (await fn(runtime)) ?? 0;
  } catch (err) {
    code = reportFailure(err, json);
  } finally {
    await runtime?.close().catch(() => undefined);
  }
  process.exitCode = code;
}
