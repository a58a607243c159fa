// Runs a machine against scripted replies, the way the engine does, but in
// memory and synchronously: nextAction -> REPLY / RESUME -> nextAction ...
// The clock is simulated (a wait moves it forward by its delay). Tests use it,
// and so can an engine's dry run.
import { createActor, initialTransition, transition, type SnapshotFrom } from 'xstate';
import { codeInfo } from '../src/codes.ts';
import type { NextAction, OperationInput, OperationOutput, StepReply } from './contract.ts';
import { nextAction } from './next-action.ts';
import type { OperationMachine } from './operation.ts';

export type CommandAction = Extract<NextAction, { kind: 'command' }>;
export type WaitAction = Extract<NextAction, { kind: 'wait' }>;

/** The reply to a command, or undefined to stop the run there. */
export type Responder = (command: CommandAction, index: number, now: number) => StepReply | undefined;

export interface DriveOptions {
  /** The jitter source; default 0.5 (runs are reproducible). */
  readonly random?: () => number;
  /** Clock time a command takes, ms; default 0. */
  readonly commandMs?: number;
  /** Stop after this many actions; default 10,000. */
  readonly maxActions?: number;
  /** Round-trip the snapshot through getPersistedSnapshot + JSON + createActor before every action. */
  readonly persist?: boolean;
}

export interface DriveResult {
  /** Every action nextAction gave, in order (the last one is final unless the run stopped). */
  readonly actions: readonly NextAction[];
  readonly commands: readonly CommandAction[];
  readonly waits: readonly WaitAction[];
  readonly output?: OperationOutput;
  /** The state names the machine went through, from its first step. */
  readonly states: readonly string[];
  readonly snapshot: SnapshotFrom<OperationMachine>;
  readonly now: number;
}

/** A reply with the seed's description for `code`. */
export function replyOf(code: number, properties: Readonly<Record<string, readonly string[]>> = {}): StepReply {
  return { kind: 'reply', code, description: codeInfo(code)?.description ?? `code ${code}`, properties };
}

/** No readable reply: the command may or may not have taken effect. */
export function uncertainReply(code: 421 | 423 = 421, reason = 'timeout'): StepReply {
  return { kind: 'uncertain', code, reason, description: `Outcome unknown: ${reason}` };
}

/** A responder that answers with the replies in order, and stops when they run out. */
export function script(replies: readonly StepReply[]): Responder {
  return (_command, index) => replies[index];
}

function roundTrip(machine: OperationMachine, snapshot: SnapshotFrom<OperationMachine>): SnapshotFrom<OperationMachine> {
  const actor = createActor(machine, { snapshot: snapshot as never, input: undefined as never });
  const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as unknown;
  return createActor(machine, { snapshot: persisted as never, input: undefined as never }).getSnapshot();
}

export function drive(machine: OperationMachine, input: OperationInput, respond: Responder, options: DriveOptions = {}): DriveResult {
  const random = options.random ?? (() => 0.5);
  const maxActions = options.maxActions ?? 10_000;
  let now = input.startedAt;
  let [snapshot] = initialTransition(machine, input);
  const actions: NextAction[] = [];
  const commands: CommandAction[] = [];
  const waits: WaitAction[] = [];
  const states: string[] = [String(snapshot.value)];
  const step = (event: Parameters<typeof transition<OperationMachine>>[2]) => {
    [snapshot] = transition(machine, snapshot, event);
    states.push(String(snapshot.value));
  };
  while (actions.length < maxActions) {
    if (options.persist) snapshot = roundTrip(machine, snapshot);
    const action = nextAction(snapshot);
    actions.push(action);
    if (action.kind === 'final') return { actions, commands, waits, output: action.output, states, snapshot, now };
    if (action.kind === 'wait') {
      waits.push(action);
      now += action.delayMs;
      step({ type: 'RESUME', now });
      continue;
    }
    const reply = respond(action, commands.length, now);
    if (reply === undefined) break;
    commands.push(action);
    now += options.commandMs ?? 0;
    step({ type: 'REPLY', reply, now, random: random() });
  }
  return { actions, commands, waits, states, snapshot, now };
}
