// One line of an operation's history: a command it sent and what came of it,
// secrets masked.
import type { StepReply } from '../../machines/contract.ts';
import { flattenCommand, maskCommand, type CommandInput } from '../registrar/request.ts';
import type { HistoryEntry } from './operation.ts';

export function historyEntry(command: string, step: string, reply: StepReply, ms: number, params: CommandInput, attempt: number): HistoryEntry {
  const masked = maskCommand(flattenCommand(params));
  const at = new Date().toISOString();
  const code = reply.code;
  const description = reply.description;
  return reply.kind === 'uncertain'
    ? { command, step, code, description, ms: Math.round(ms), attempt, at, params: masked, uncertain: reply.reason }
    : { command, step, code, description, ms: Math.round(ms), attempt, at, params: masked };
}
