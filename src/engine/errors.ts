// What the store's callers are told when an operation is not there, or not in a
// state the request fits (the API answers 404 and 409).

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    message: string,
    /** the input to blame, when one is (an idempotency key that names another operation: 'key') */
    readonly field?: string,
  ) {
    super(message);
  }
}
