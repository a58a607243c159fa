// An operation as the engine stores it (BullMQ job data, kept small: the
// Redis memory per queued operation is a measured budget), and as users see it.
import type { Contacts, OperationType } from '../../machines/contract.ts';

/** Job data. Short keys on purpose: this is stored once per operation. */
export interface OpData {
  /** operation type */
  t: OperationType;
  /** domain (punycode) */
  d: string;
  /** period in years */
  p?: number;
  /** name servers */
  ns?: string[];
  /** contact handles given with the operation; the rest come from the account's defaults */
  c?: Partial<Contacts>;
  /** renew: current expiration, when the caller knows it */
  x?: string;
  /** register: availability already checked by the batch */
  k?: 1;
  /** sealed secrets (AES-256-GCM), by name: { auth } */
  s?: Record<string, string>;
  /** batch id */
  b?: string;
  /** idempotency key */
  key?: string;
  /** 1 while the operation owns its domain (claimed at submission or by begin-run) */
  o?: 1;
  /** machine snapshot (MachinePlan.stored: xstate's persisted shape, pared down), once the operation has started */
  snap?: unknown;
  /** a state-changing command that was about to be sent when the snapshot was written */
  fl?: InFlight | undefined;
  /** a wait the machine asked for: not before this time (ms) */
  w?: number;
  /** redrive of a failed operation: start at this step, with this carried data */
  rd?: { step: string; carried?: Record<string, unknown> };
  /** when it was last redriven (ms): its updatedAt until it runs again (a redrive clears BullMQ's times) */
  ra?: number;
}

/** Job data without the domain claim (`o`): the next run claims the domain through begin-run. */
export function withoutClaim(data: OpData): OpData {
  const copy = { ...data };
  delete copy.o;
  return copy;
}

export interface InFlight {
  readonly step: string;
  readonly command: string;
  readonly at: number;
}

export type OpStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';

export interface FailureView {
  readonly type: string;
  readonly code: number;
  readonly description: string;
  readonly step: string;
}

export interface HistoryEntry {
  readonly command: string;
  readonly step: string;
  readonly code: number;
  readonly description: string;
  readonly ms: number;
  readonly attempt: number;
  readonly at: string;
  /** Parameters, secrets masked. */
  readonly params?: Readonly<Record<string, string>>;
  /** Why the outcome is unknown (timeout, connection reset ...), for uncertain outcomes. */
  readonly uncertain?: string;
}

/** What `status --json`, `list --json` and the API show. */
export interface OperationView {
  readonly id: string;
  readonly type: OperationType;
  readonly domain: string;
  readonly status: OpStatus;
  readonly period?: number;
  readonly result?: Record<string, unknown>;
  readonly failure?: FailureView;
  readonly batch?: string;
  readonly key?: string;
  /** The machine state the operation is in (its step, or waiting/final). */
  readonly state?: string;
  /** When it waits: when it runs again. */
  readonly nextRunAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history?: readonly HistoryEntry[];
}
