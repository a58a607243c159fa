// The one error type routes throw on purpose: an HTTP status, a message that
// names what is wrong, and the field when one input is to blame. The error
// handler (error-handler.ts) turns it into `{ "error", "field"? }`.
export interface Rejection {
  readonly line: number;
  readonly error: string;
  readonly field?: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
    /** A batch none of whose lines could be accepted: why each was refused. */
    readonly rejected?: readonly Rejection[],
  ) {
    super(message);
  }
}

/** A request that fails validation: 400, naming the field. */
export function badRequest(message: string, field?: string): ApiError {
  return new ApiError(400, message, field);
}
