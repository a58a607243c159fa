// What the engine must do now, read from a machine snapshot alone.
import type { NextAction, OperationOutput } from './contract.ts';
import type { OpContext } from './context.ts';

/** The parts of a machine snapshot nextAction reads (a live snapshot, or one restored with createActor). */
export interface SnapshotLike {
  readonly status: 'active' | 'done' | 'error' | 'stopped';
  readonly context: OpContext;
  readonly output?: unknown;
  readonly value?: unknown;
  hasTag?(tag: string): boolean;
}

export class MachineContractError extends Error {
  override readonly name = 'MachineContractError';
}

/** Where the machine is, for an error message. */
function where(snapshot: SnapshotLike): string {
  return JSON.stringify(snapshot.value ?? null);
}

function tagged(snapshot: SnapshotLike, tag: string): boolean {
  return snapshot.hasTag ? snapshot.hasTag(tag) : true;
}

/**
 * `command` in a step state (tag `step`, context.request), `wait` in a waiting
 * state (tag `waiting`, context.wait), `final` once done. A snapshot in any
 * other shape is a bug: it throws MachineContractError.
 */
export function nextAction(snapshot: SnapshotLike): NextAction {
  if (snapshot.status === 'done') {
    const output = snapshot.output as OperationOutput | undefined;
    if (!output) throw new MachineContractError(`machine is done at ${where(snapshot)} without an output`);
    return { kind: 'final', output };
  }
  if (snapshot.status !== 'active') throw new MachineContractError(`machine is ${snapshot.status} at ${where(snapshot)}`);
  const { request, wait } = snapshot.context;
  if (request && !wait && tagged(snapshot, 'step')) return { kind: 'command', ...request };
  if (wait && !request && tagged(snapshot, 'waiting')) {
    if (!(wait.delayMs > 0)) throw new MachineContractError(`machine waits ${wait.delayMs} ms at ${where(snapshot)}`);
    return { kind: 'wait', ...wait };
  }
  throw new MachineContractError(`machine at ${where(snapshot)} asks for neither a command nor a wait`);
}
