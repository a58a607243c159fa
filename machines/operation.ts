// Assembles one operation machine from its steps: a transient `start` that
// picks the first step (default, input-dependent, or a redrive's), the steps
// and their waiting states, and the two final states.
import { assign, setup } from 'xstate';
import type { Carried, OperationEvent, OperationInput, OperationOutput, OperationType } from './contract.ts';
import { fail, initialContext, INVALID_ENTRY, type OpContext } from './context.ts';
import { MachinePlan } from './plan.ts';
import { buildStep, type StateConfig, type StepSpec, type TransitionConfig } from './step.ts';

export interface OperationSpec {
  readonly type: OperationType;
  readonly steps: readonly StepSpec[];
  /** Waiting states between polls: name -> the step to resume at. */
  readonly polls?: Readonly<Record<string, string>>;
  /** The first step without a redrive, with the input condition it stands for. */
  readonly entries: ReadonlyArray<{ readonly step: string; readonly label: string; readonly when: (input: OperationInput) => boolean }>;
  /** A redrive to `step` that lacks the data it needs starts elsewhere (renew: without the old expiration). */
  readonly redriveTo?: (step: string, carried: Carried) => string;
  /**
   * Cancelling at the registrar (transfer): in the states `from` (an effect may be pending
   * there), CANCEL leads to `step` instead of ending the operation; in the states `during`
   * (cancelling already), CANCEL changes nothing. Elsewhere it ends the operation (`cancelled`).
   */
  readonly cancel?: { readonly step: string; readonly from: readonly string[]; readonly during: readonly string[] };
}

const base = setup({
  types: {
    context: {} as OpContext,
    events: {} as OperationEvent,
    input: {} as OperationInput,
    output: {} as OperationOutput,
  },
});

type MachineConfig = Parameters<typeof base.createMachine>[0];

function entryOf(spec: OperationSpec, input: OperationInput): string {
  const names = spec.steps.map((s) => s.name);
  if (input.redrive) {
    if (!names.includes(input.redrive.step)) return INVALID_ENTRY;
    const carried: Carried = { ...input.redrive.carried };
    if (input.type === 'renew' && input.expiration && !carried.expiration) carried.expiration = input.expiration;
    return spec.redriveTo ? spec.redriveTo(input.redrive.step, carried) : input.redrive.step;
  }
  for (const e of spec.entries) if (e.when(input)) return e.step;
  throw new Error(`${spec.type}: no entry step matches the input`);
}

function output({ context }: { context: OpContext }): OperationOutput {
  if (context.failure) return { status: 'failed', failure: context.failure, redrive: { step: context.failure.step, carried: context.carried } };
  return { status: 'succeeded', result: context.result ?? {} };
}

/** A plan's context update as an xstate action. */
function assignPatch(patch: NonNullable<TransitionConfig['patch']>) {
  return assign(({ context, event }: { context: OpContext; event: OperationEvent }) => patch(context, event));
}

function xstateTransition(t: TransitionConfig) {
  const { guard, patch } = t;
  return {
    target: t.target,
    description: t.description,
    ...(guard ? { guard: ({ context, event }: { context: OpContext; event: OperationEvent }) => guard(context, event) } : {}),
    ...(patch ? { actions: assignPatch(patch) } : {}),
  };
}

function xstateState(state: StateConfig) {
  return {
    ...(state.tags ? { tags: state.tags } : {}),
    ...(state.meta ? { meta: state.meta } : {}),
    ...(state.type ? { type: state.type } : {}),
    ...(state.entry ? { entry: assignPatch(state.entry) } : {}),
    ...(state.on ? { on: Object.fromEntries(Object.entries(state.on).map(([event, list]) => [event, list.map(xstateTransition)])) } : {}),
    ...(state.always ? { always: state.always.map(xstateTransition) } : {}),
  };
}

/** Give the states of OperationSpec.cancel their own CANCEL transitions (see there). */
function cancelAtRegistrar(states: Record<string, StateConfig>, cancel: NonNullable<OperationSpec['cancel']>): void {
  const own = (name: string, t: TransitionConfig) => {
    const state = states[name];
    if (!state) throw new Error(`cancel: no state ${name}`);
    states[name] = { ...state, on: { ...state.on, CANCEL: [t] } };
  };
  for (const name of cancel.from) own(name, { target: cancel.step, description: 'cancel at the registrar' });
  // A transition to the state itself: xstate neither leaves nor re-enters it (the pending command stays).
  for (const name of cancel.during) own(name, { target: name, description: 'cancel: cancelling already' });
}

/**
 * One operation, defined once as a plan (states, guarded transitions, context updates) and
 * given two ways: the xstate machine (diagrams, tests, anything that wants an actor) and the
 * plan itself, which the engine steps through directly (plan.ts; the same semantics, proven
 * against xstate's own transition function in the tests, at a fraction of the cost).
 */
export function createOperation(spec: OperationSpec) {
  const states: Record<string, StateConfig> = {};
  const entries = new Map(spec.entries.map((e) => [e.step, e.label]));
  const start: TransitionConfig[] = spec.steps.map((s) => ({
    target: s.name,
    guard: (ctx) => ctx.entry === s.name,
    description: entries.get(s.name) ?? 'redrive',
  }));
  start.push({
    target: 'failed',
    patch: (ctx) => fail(ctx, 'invalid_redrive', 0, `no step ${JSON.stringify(ctx.entry)} in ${spec.type}`),
    description: 'redrive to an unknown step',
  });
  states['start'] = { always: start };
  for (const step of spec.steps) Object.assign(states, buildStep(step));
  for (const [name, target] of Object.entries(spec.polls ?? {})) {
    states[name] = { tags: ['waiting'], on: { RESUME: [{ target, description: 'resume: poll' }] } };
  }
  states['succeeded'] = { type: 'final', tags: ['final'] };
  states['failed'] = { type: 'final', tags: ['final'] };
  if (spec.cancel) cancelAtRegistrar(states, spec.cancel);

  for (const [name, state] of Object.entries(states)) {
    for (const t of [...(state.always ?? []), ...Object.values(state.on ?? {}).flat()]) {
      if (!(t.target in states)) throw new Error(`${spec.type}: ${name} -> unknown state ${t.target}`);
    }
  }
  const cancel: TransitionConfig = {
    target: 'failed',
    patch: (ctx, ev) => fail(ctx, 'cancelled', 0, ev.type === 'CANCEL' && ev.reason ? `cancelled: ${ev.reason.slice(0, 200)}` : 'cancelled', ctx.step),
    description: 'cancel',
  };
  const context = (input: OperationInput) => initialContext(input, entryOf(spec, input));

  const config = {
    id: spec.type,
    initial: 'start',
    context: ({ input }: { input: OperationInput }) => context(input),
    states: Object.fromEntries(Object.entries(states).map(([name, state]) => [name, xstateState(state)])),
    on: { CANCEL: { ...xstateTransition(cancel), target: '.failed' } },
    output,
  } as unknown as MachineConfig;
  const machine = base.createMachine(config);
  const plan = new MachinePlan({ type: spec.type, initial: 'start', states, on: { CANCEL: [cancel] }, context, output: (ctx) => output({ context: ctx }) });
  return { machine, plan };
}

export type OperationMachine = ReturnType<typeof createOperation>['machine'];
