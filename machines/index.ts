// The operation machines by type, and the contract the engine uses (contract.ts).
import type { OperationType } from './contract.ts';
import { deleteMachine } from './delete.ts';
import type { OperationMachine } from './operation.ts';
import { registerMachine } from './register.ts';
import { renewMachine } from './renew.ts';
import { transferMachine } from './transfer.ts';

export const MACHINES: Readonly<Record<OperationType, OperationMachine>> = {
  register: registerMachine,
  renew: renewMachine,
  transfer: transferMachine,
  delete: deleteMachine,
};

export function machineFor(type: OperationType): OperationMachine {
  return MACHINES[type];
}

/** The step names of an operation: the valid `redrive.step` values. */
export function stepsOf(type: OperationType): string[] {
  const root = MACHINES[type].root;
  return Object.entries(root.states)
    .filter(([, node]) => node.tags.includes('step'))
    .map(([name]) => name);
}

export type * from './contract.ts';
export { defaultPolicy, policyFromEnv, backoffPolicySchema, type BackoffPolicy, type DelayRange } from './backoff.ts';
export { FAILURES, failureInfo, type FailureInfo } from './failures.ts';
export { nextAction, MachineContractError, type SnapshotLike } from './next-action.ts';
export { toStepReply } from './step-reply.ts';
export type { OperationMachine } from './operation.ts';
export type { OpContext } from './context.ts';
