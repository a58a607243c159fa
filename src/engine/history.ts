// One line of an operation's history: a command it sent and what came of it,
// secrets masked.
import type { StepReply } from '../../machines/contract.ts';
import { flattenCommand, maskCommand, type CommandInput } from '../registrar/request.ts';
import type { HistoryEntry } from './operation.ts';

export function historyEntry(command: string, step: string, reply: StepReply, ms: number, params: CommandInput, attempt: number): HistoryEntry {
  const entry: HistoryEntry = {
    command,
    step,
    code: reply.code,
    description: reply.description,
    ms: Math.round(ms),
    attempt,
    at: new Date().toISOString(),
    params: maskCommand(flattenCommand(params)),
    ...(reply.kind === 'uncertain' ? { uncertain: reply.reason } : {}),
  };
  return entry;
}
