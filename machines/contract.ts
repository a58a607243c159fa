// The contract between the operation machines and the engine that runs them.
//
// The machines are pure: no I/O, no promise actors, no `after` timers, no
// Math.random, no Date.now. A restored xstate actor re-runs an in-flight
// promise actor and `after` timers are not persisted (statelyai/xstate#5331),
// so the engine performs every registrar command and owns every delay. The
// machine only decides, and its context is small, JSON-serialisable and free
// of secrets: it is checkpointed with `actor.getPersistedSnapshot()` and
// restored with `createActor(machine, { snapshot })` (the engine does the same
// through the machine's plan, plan.ts, whose snapshots have the same shape).
//
// The loop (see nextAction in next-action.ts):
//   1. `nextAction(snapshot)` says what to do now:
//      - `command`: send it (filling `secrets` in from the operation's secret
//        store: the key is the parameter, the value the secret's name), then
//        send the machine `{ type: 'REPLY', reply, now, random }`. When
//        `changesState` is true, checkpoint the snapshot before sending.
//      - `wait`: delay the job by `delayMs` (always > 0), then send
//        `{ type: 'RESUME', now }`. Reason `abuse_lock` (code 422) means the
//        whole account pauses, not only this operation.
//      - `final`: the operation is over; `output` is its result or its typed
//        failure. A failure whose `scope` is `account` (530/531/535/546) opens
//        the account's breaker.
//   2. `{ type: 'CANCEL' }` ends any operation that is not final with the
//      failure `cancelled`. Send it only while the operation waits or before a
//      command was sent: the machine cannot know whether a sent command took
//      effect. So where the registrar may have acted (a state-changing
//      command's outcome unknown, a registration pending), the machine notes
//      CANCEL (context.cancelRequested) and goes on: it ends as the registrar
//      says, and `cancelled` instead of sending a command again that did not
//      take effect. A transfer that may be pending at the registrar takes
//      CANCEL to a step (TransferDomain ACTION=CANCEL) and ends `cancelled`, or
//      as the transfer did when it was over already. MachinePlan.takesCancel
//      tells the states that take CANCEL themselves.
//
// Redrive: a failed output carries `redrive: { step, carried }`. Start a new
// actor with the same input plus that `redrive`, a fresh `startedAt` and the
// current policy: the machine starts at the failed step with the data carried
// (for a renewal, the known old expiration), attempts reset and a fresh
// deadline. Failure steps are always safe starting points: a state-changing
// step is only named when the registrar said it did not take effect.
//
// Decisions the brief left open (see the machine files for the rest):
// - A failure carries `scope` ('account' for 530/531/535/546 with their own
//   type) and a failed output carries `redrive`, ready to pass back as input.
// - Extra failure types: registration_rejected (a pending registration
//   vanished), registration_timed_out (still pending at startedAt +
//   pendingDeadlineMs), invalid_redrive, cancelled (code 0).
// - A transfer's deadline for everything (retries and polls) is
//   transferDeadlineMs; register/renew/delete use deadlineMs, a pending
//   registration pendingDeadlineMs. Polls get +-policy.poll.jitter (0.1).
// - An uncertain outcome of a state-changing command is reconciled even past
//   the deadline; a reconcile that cannot run then fails at the reconcile step.
// - A check step treats any 2xx but its "not available" code (211, 219) as go
//   on: AddDomain/TransferDomain answer for themselves. AddDomain 200 without
//   an expiration date reads it with StatusDomain (the result needs it).
// - Without `random`/`now` usable numbers the delays stay finite and > 0.
import type { BackoffPolicy } from './backoff.ts';

export type OperationType = 'register' | 'renew' | 'transfer' | 'delete';

/** Contact handles by role; a role left out is the registrar's to fill (its account default) or refuse. */
export interface Contacts {
  readonly owner?: string;
  readonly admin?: string;
  readonly tech?: string;
  readonly billing?: string;
}

/** Data one step learnt that a later step needs; carried into a redrive. */
export interface Carried {
  /** renew: the expiration before the renewal ('YYYY-MM-DD hh:mm:ss' or 'YYYY'). */
  expiration?: string;
  /** transfer: when the request now in hand was about to be sent (ms, the engine's clock). */
  sentAt?: number;
  /**
   * transfer: when this operation first sent a request that may have reached the registrar (the
   * first with an unknown outcome), kept through resends and a redrive: a transfer the registrar
   * shows as requested well before it was another's.
   */
  requestedAt?: number;
}

export interface Redrive {
  /** A step name, from a failed output's `failure.step`. */
  readonly step: string;
  readonly carried?: Carried;
}

interface BaseInput {
  /** Already validated and in punycode (src/operations/input.ts). */
  readonly domain: string;
  readonly policy: BackoffPolicy;
  /** The engine's clock (ms since the epoch) when this run of the operation started. */
  readonly startedAt: number;
  readonly redrive?: Redrive;
}

export interface RegisterInput extends BaseInput {
  readonly type: 'register';
  /** Years, 1-10; default 1. */
  readonly period?: number;
  readonly nameservers?: readonly string[];
  /** The engine fills the account's default handles in. */
  readonly contacts?: Contacts;
  /** A batch CheckDomains already found it available: skip CheckDomain. */
  readonly checked?: boolean;
}

export interface RenewInput extends BaseInput {
  readonly type: 'renew';
  readonly period?: number;
  /** The current expiration ('YYYY-MM-DD...' or 'YYYY'), when known: skip StatusDomain. */
  readonly expiration?: string;
}

export interface TransferInput extends BaseInput {
  readonly type: 'transfer';
  readonly period?: number;
  /** The operation has an auth code in the secret store (name `auth`). */
  readonly hasAuth?: boolean;
}

export interface DeleteInput extends BaseInput {
  readonly type: 'delete';
}

export type OperationInput = RegisterInput | RenewInput | TransferInput | DeleteInput;

export type ParamValue = string | number | string[];

/** A registrar command the machine asks for (stored in context.request). */
export interface PendingCommand {
  /** The machine's step (state) name: what a failure's `step` names. */
  readonly step: string;
  readonly command: string;
  /** Upper-case registrar parameter names, without COMMAND. */
  readonly params: Record<string, ParamValue>;
  /** Parameter name -> secret name, e.g. { AUTH: 'auth' }: the engine fills the value in. */
  readonly secrets?: Record<string, string>;
  /** AddDomain, RenewDomain, TransferDomain, DeleteDomain: checkpoint before sending. */
  readonly changesState: boolean;
  /**
   * Account-level codes (530/531/535/546) that this step takes as the operation's own failure
   * (a wrong auth code to TransferDomain REQUEST): the engine does not stop the account for them.
   */
  readonly operationCodes?: readonly number[];
}

export type WaitReason = 'temporary' | 'uncertain' | 'abuse_lock' | 'poll' | 'pending';

/** A delay the machine asks for (stored in context.wait). */
export interface Wait {
  readonly delayMs: number;
  readonly reason: WaitReason;
  /** The code that caused it (4xx, 520/521, or 421/423 for an uncertain outcome). */
  readonly code?: number;
}

/** What a command came to, as the machine sees it (see toStepReply). */
export type StepReply =
  | {
      readonly kind: 'reply';
      readonly code: number;
      readonly description: string;
      /** Property values by normalised name (REGISTRATIONEXPIRATIONDATE, STATUS, TRANSFERSTATUS). */
      readonly properties: Readonly<Record<string, readonly string[]>>;
    }
  | {
      /** No readable reply: the command may or may not have taken effect. */
      readonly kind: 'uncertain';
      readonly code: 421 | 423;
      readonly reason: string;
      readonly description: string;
    };

export type DefiniteReply = Extract<StepReply, { kind: 'reply' }>;

export interface ReplyEvent {
  readonly type: 'REPLY';
  readonly reply: StepReply;
  /** The engine's clock, ms since the epoch. */
  readonly now: number;
  /** Uniform in [0, 1): the jitter of the backoff. */
  readonly random: number;
}

export interface ResumeEvent {
  readonly type: 'RESUME';
  readonly now: number;
}

export interface CancelEvent {
  readonly type: 'CANCEL';
  readonly reason?: string;
}

export type OperationEvent = ReplyEvent | ResumeEvent | CancelEvent;

export interface OperationResult {
  expirationDate?: string;
  transferStatus?: string;
  /** Status flags the last reply gave (delete: PENDINGDELETE ...). */
  status?: string[];
  /** The outcome was established by a status query after a lost or refused reply. */
  reconciled?: boolean;
}

export interface Failure {
  /** A type of the failure catalogue (machines/failures.ts). */
  readonly type: string;
  /** The registrar code behind it; 0 when there is none (cancelled). */
  readonly code: number;
  readonly description: string;
  /** The step that failed: a valid `redrive.step`. */
  readonly step: string;
  /** `account`: an account-level code (530/531/535/546): open the account's breaker. */
  readonly scope: 'operation' | 'account';
}

export type OperationOutput =
  | { readonly status: 'succeeded'; readonly result: OperationResult }
  | { readonly status: 'failed'; readonly failure: Failure; readonly redrive: { step: string; carried: Carried } };

export type NextAction =
  | ({ readonly kind: 'command' } & PendingCommand)
  | ({ readonly kind: 'wait' } & Wait)
  | { readonly kind: 'final'; readonly output: OperationOutput };
