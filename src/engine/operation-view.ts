// An operation as users see it (status, result or typed failure, machine state,
// history), read from its BullMQ job: the job's state gives the status, its
// return value the result, its failed reason the failure.
import type { Job } from 'bullmq';
import type { FailureView, HistoryEntry, OpData, OperationView, OpStatus } from './operation.ts';
import type { JobResult } from './runner.ts';

export interface ParsedReason {
  failure: FailureView & { scope?: string };
  redrive?: { step: string; carried?: Record<string, unknown> };
  /** the last history lines of the run that failed (see JobResult) */
  h?: HistoryEntry[];
}

export function parseFailedReason(reason: string | undefined): ParsedReason | undefined {
  if (!reason) return undefined;
  try {
    const parsed = JSON.parse(reason) as ParsedReason;
    if (parsed && typeof parsed.failure?.type === 'string') return parsed;
  } catch {
    // not ours: an engine error BullMQ recorded
  }
  return { failure: { type: 'engine_error', code: 0, description: reason.slice(0, 300), step: 'unknown' } };
}

export function statusOf(state: string, failure: FailureView | undefined): OpStatus | undefined {
  switch (state) {
    case 'completed':
      return 'succeeded';
    case 'failed':
      return failure?.type === 'cancelled' ? 'cancelled' : 'failed';
    case 'active':
      return 'running';
    case 'delayed':
      return 'waiting';
    case 'waiting':
    case 'paused':
    case 'prioritized':
    case 'waiting-children':
      return 'queued';
    default:
      return undefined;
  }
}

/** An operation as users see it, from its job and the job's state (and its history, when read). */
export function operationView(job: Job<OpData, JobResult>, state: string, history?: HistoryEntry[]): OperationView {
  const d = job.data;
  const reason = state === 'failed' ? parseFailedReason(job.failedReason) : undefined;
  const failure = reason ? { type: reason.failure.type, code: reason.failure.code, description: reason.failure.description, step: reason.failure.step } : undefined;
  const status = statusOf(state, failure) ?? 'queued';
  const snap = d.snap as { value?: unknown } | undefined;
  const updated = job.finishedOn ?? job.processedOn ?? d.ra ?? job.timestamp;
  return {
    id: job.id as string,
    type: d.t,
    domain: d.d,
    status,
    ...(d.p !== undefined ? { period: d.p } : {}),
    ...(status === 'succeeded' && job.returnvalue ? { result: { ...job.returnvalue.result } } : {}),
    ...(failure ? { failure } : {}),
    ...(d.b ? { batch: d.b } : {}),
    ...(d.key !== undefined ? { key: d.key } : {}),
    ...stateOf(status, snap),
    ...(status === 'waiting' ? nextRunOf(job, d) : {}),
    createdAt: new Date(job.timestamp).toISOString(),
    updatedAt: new Date(updated).toISOString(),
    ...(history ? { history } : {}),
  };
}

/**
 * When a waiting operation runs next: the time its last run handed it back for (`w`, written
 * with the checkpoint), else, for a run that wrote none (one parked behind another operation on
 * its domain), that run's start plus the delay BullMQ recorded as it moved the job to delayed.
 * A `w` from before the last run started is an earlier wait's.
 */
function nextRunOf(job: Job<OpData, JobResult>, d: OpData): { nextRunAt?: string } {
  const ran = job.processedOn;
  const at = d.w !== undefined && (ran === undefined || d.w > ran) ? d.w : ran !== undefined && job.delay > 0 ? ran + job.delay : undefined;
  return at === undefined ? {} : { nextRunAt: new Date(at).toISOString() };
}

/**
 * The machine state to show: the final state once ended (the job data keeps the last
 * checkpoint, which is not rewritten when an operation ends), else the checkpointed one.
 */
function stateOf(status: OpStatus, snap: { value?: unknown } | undefined): { state?: string } {
  if (status === 'succeeded' || status === 'failed') return { state: status };
  if (status === 'cancelled') return { state: 'failed' };
  if (snap?.value === undefined) return {};
  return { state: typeof snap.value === 'string' ? snap.value : JSON.stringify(snap.value) };
}

/** JSON as stored, or undefined for none or for text that is not JSON. */
export function parsed<T>(json: string | null | undefined): T | undefined {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as T;
  } catch {
    return undefined;
  }
}
