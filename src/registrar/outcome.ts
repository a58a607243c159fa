// What one registrar command came to: the registrar's reply, or an uncertain
// outcome when no readable reply arrived (the command may or may not have taken
// effect). Expected results, never exceptions.
import { classify, type CodeClass } from '../codes.ts';
import type { Reply } from './reply.ts';

export type UncertainReason =
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'network_error'
  | 'http_status'
  | 'empty_body'
  | 'protocol_error'
  /** Not sent at all: its time to be sent (CallOptions.sendBy) was up before a connection was free. */
  | 'not_sent';

export interface ReplyOutcome<T = unknown> {
  readonly kind: 'reply';
  readonly code: number;
  readonly description: string;
  readonly class: CodeClass;
  /** The code's stable type from src/codes.ts. */
  readonly type: string;
  readonly reply: Reply;
  /** Typed data read from a success reply. */
  readonly data?: T;
  readonly ms: number;
}

export interface UncertainOutcome {
  readonly kind: 'uncertain';
  /** What the official SDKs report for the same failure: 421 (HTTP error, timeout) or 423 (empty or invalid body). */
  readonly code: 421 | 423;
  readonly description: string;
  readonly class: 'temporary';
  readonly type: 'uncertain_outcome';
  readonly reason: UncertainReason;
  /** What happened, with every secret masked. */
  readonly detail: string;
  readonly ms: number;
}

export type Outcome<T = unknown> = ReplyOutcome<T> | UncertainOutcome;

export function replyOutcome<T>(reply: Reply, ms: number, data?: T): ReplyOutcome<T> {
  const c = classify(reply.code);
  // parseReply guarantees three digits; a 1xx/3xx/6xx.. code is still not a class we know.
  const cls: CodeClass = c.ok ? c.class : 'permanent';
  const outcome: ReplyOutcome<T> = {
    kind: 'reply',
    code: reply.code,
    description: reply.description,
    class: cls,
    type: c.ok ? c.type : 'protocol_error',
    reply,
    ms,
  };
  return data === undefined ? outcome : { ...outcome, data };
}

export function uncertainOutcome(reason: UncertainReason, detail: string, ms: number): UncertainOutcome {
  const code = reason === 'empty_body' || reason === 'protocol_error' ? 423 : 421;
  return {
    kind: 'uncertain',
    code,
    description: `Outcome unknown: ${reason.replace(/_/g, ' ')}`,
    class: 'temporary',
    type: 'uncertain_outcome',
    reason,
    detail,
    ms,
  };
}
