// Building the simulator's answers: the seed's exact description for a code,
// optionally followed by "; detail", as the registrar writes it. A handler that
// must refuse throws a Refusal; the command table turns it into the answer.
import { describe } from '../codes.ts';
import type { ReplyToSerialize } from '../registrar/reply.ts';

export type Properties = Record<string, readonly (string | number)[] | string | number>;
export type Answer = ReplyToSerialize;

const OK: Answer = Object.freeze({ code: 200, description: describe(200) });

export function answer(code: number, detail?: string, properties?: Properties): Answer {
  const description = detail ? `${describe(code)}; ${detail}` : describe(code);
  return properties ? { code, description, properties } : { code, description };
}

export function ok(properties?: Properties): Answer {
  return properties ? { code: 200, description: OK.description, properties } : OK;
}

/** A handler's refusal: the answer to send instead of an effect. */
export class Refusal extends Error {
  constructor(readonly answer: Answer) {
    super(answer.description);
    this.name = 'Refusal';
  }
}

export function refuse(code: number, detail?: string): never {
  throw new Refusal(answer(code, detail));
}
