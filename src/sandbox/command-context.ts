// What a command handler gets: the registry, the calling account, the sim time.
import type { Command } from '../registrar/request.ts';
import type { Answer } from './answer.ts';
import type { Registry } from './registry.ts';
import type { AccountRecord } from './state.ts';

export interface CommandContext {
  readonly registry: Registry;
  readonly account: AccountRecord;
  /** Sim clock time of the command. */
  readonly now: number;
}

export type CommandHandler = (ctx: CommandContext, cmd: Command) => Answer;
