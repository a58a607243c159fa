// The operation machines by type, and the contract the engine uses (contract.ts).
import type { OperationType } from './contract.ts';
import { deleteMachine, deletePlan } from './delete.ts';
import type { OperationMachine } from './operation.ts';
import type { MachinePlan } from './plan.ts';
import { registerMachine, registerPlan } from './register.ts';
import { renewMachine, renewPlan } from './renew.ts';
import { transferMachine, transferPlan } from './transfer.ts';

export const MACHINES: Readonly<Record<OperationType, OperationMachine>> = {
  register: registerMachine,
  renew: renewMachine,
  transfer: transferMachine,
  delete: deleteMachine,
};

export function machineFor(type: OperationType): OperationMachine {
  return MACHINES[type];
}

/** The same machines as plans, which the engine steps through (plan.ts). */
export const PLANS: Readonly<Record<OperationType, MachinePlan>> = {
  register: registerPlan,
  renew: renewPlan,
  transfer: transferPlan,
  delete: deletePlan,
};

export function planFor(type: OperationType): MachinePlan {
  return PLANS[type];
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
export { MachinePlan, PlanSnapshot, type PersistedPlanSnapshot, type StoredPlanSnapshot } from './plan.ts';
export type { OpContext } from './context.ts';
