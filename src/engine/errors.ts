// What the store's callers are told when an operation is not there, not in a
// state the request fits, or asked for with a value that names nothing (the API
// answers 404, 409 and 400; the CLI exits 2).

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

/** A value that names nothing the engine knows: a failure type no catalogue lists and no operation has, a batch id of no batch. */
export class UnknownValueError extends Error {
  override name = 'UnknownValueError';
  constructor(
    message: string,
    /** the input to blame */
    readonly field: string,
  ) {
    super(message);
  }
}
