// The commands the simulator knows, by case-insensitive name, and the one place
// that runs a handler and turns its Refusal into the answer.
import type { Command } from '../registrar/request.ts';
import { answer, Refusal, type Answer } from './answer.ts';
import type { CommandContext, CommandHandler } from './command-context.ts';
import { addContact, addNameserver, checkContact, checkNameserver, statusAccount, statusContact } from './contact-commands.ts';
import { echo } from './domain-name.ts';
import { deleteDomain, queryDomainList, renewDomain, statusDomain } from './domain-commands.ts';
import { addDomain, checkDomain, checkDomains } from './register-commands.ts';
import { checkDomainTransfer, statusDomainTransfer, transferDomain } from './transfer-commands.ts';

const HANDLERS: Record<string, CommandHandler> = {
  CheckDomain: checkDomain,
  CheckDomains: checkDomains,
  AddDomain: addDomain,
  RenewDomain: renewDomain,
  StatusDomain: statusDomain,
  DeleteDomain: deleteDomain,
  QueryDomainList: queryDomainList,
  TransferDomain: transferDomain,
  StatusDomainTransfer: statusDomainTransfer,
  CheckDomainTransfer: checkDomainTransfer,
  AddContact: addContact,
  StatusContact: statusContact,
  CheckContact: checkContact,
  CheckNameserver: checkNameserver,
  AddNameserver: addNameserver,
  StatusAccount: statusAccount,
};

const BY_LOWER = new Map<string, { name: string; handler: CommandHandler }>(
  Object.entries(HANDLERS).map(([name, handler]) => [name.toLowerCase(), { name, handler }]),
);

export const COMMAND_NAMES: readonly string[] = Object.keys(HANDLERS);

/** The canonical spelling of a command name, or undefined for an unknown one. */
export function canonicalCommand(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : BY_LOWER.get(raw.trim().toLowerCase())?.name;
}

export function executeCommand(ctx: CommandContext, cmd: Command): Answer {
  const raw = cmd.COMMAND;
  if (raw === undefined || raw.trim() === '') return answer(504, 'COMMAND');
  const entry = BY_LOWER.get(raw.trim().toLowerCase());
  if (!entry) return answer(500, echo(raw));
  ctx.registry.settleDue(ctx.now);
  try {
    return entry.handler(ctx, cmd);
  } catch (err) {
    if (err instanceof Refusal) return err.answer;
    throw err;
  }
}
