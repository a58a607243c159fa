// One line of an operation's history: a command it sent and what came of it,
// secrets masked.
import type { StepReply } from '../../machines/contract.ts';
import { flattenCommand, maskCommand, type CommandInput } from '../registrar/request.ts';
import type { HistoryEntry } from './operation.ts';

/** What a run records, and tells the machine, for the last run's command in flight when its worker died. */
export const UNCERTAIN_WORKER_LOST: StepReply = {
  kind: 'uncertain',
  code: 421,
  reason: 'worker_lost',
  description: 'Outcome unknown: the worker stopped after the command may have been sent',
};

/** 10000-01-01T00:00:00.000Z */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;
let isoSecond = Number.NaN;
let isoPrefix = '';

/**
 * `new Date(ms).toISOString()`, for the clock's time now: formatting a date costs about a
 * microsecond, and every history line needs one, so the part up to the second is kept and
 * only the milliseconds are written.
 */
export function isoTime(ms: number): string {
  // outside the years 0 to 9999 the format changes (+010000-...): not the clock's case
  if (!(ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    // 'YYYY-MM-DDTHH:mm:ss.'
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    isoSecond = second;
  }
  const millis = ms - second * 1000;
  return `${isoPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

export function historyEntry(command: string, step: string, reply: StepReply, ms: number, params: CommandInput, attempt: number): HistoryEntry {
  const masked = maskCommand(flattenCommand(params));
  const at = isoTime(Date.now());
  const code = reply.code;
  const description = reply.description;
  return reply.kind === 'uncertain'
    ? { command, step, code, description, ms: Math.round(ms), attempt, at, params: masked, uncertain: reply.reason }
    : { command, step, code, description, ms: Math.round(ms), attempt, at, params: masked };
}
