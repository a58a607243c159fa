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
  /**
   * The step of the first state-changing command a run sends from the start, when its parameters,
   * and what a reconcile makes of an unknown outcome, need nothing but the input (no reply read
   * before it): the engine may then send it in an operation's first run without writing a
   * checkpoint first, and a later run that finds that run lost resumes at it, its outcome unknown
   * (MachinePlan.firstEffectResume). Undefined: every effect needs a checkpoint.
   */
  readonly firstEffect?: (input: OperationInput) => string | undefined;
  /**
   * Where such a later run resumes instead: a step that reads what the lost run did and goes on
   * as a fresh run would (register: the domain ours already, or its availability checked as at
   * the start, so a taken name fails as it would have).
   */
  readonly firstEffectResume?: string;
  /** A redrive to `step` that lacks the data it needs starts elsewhere (renew: without the old expiration). */
  readonly redriveTo?: (step: string, carried: Carried) => string;
  /**
   * Where CANCEL does not end the operation at once (elsewhere it does: `cancelled`). In the
   * states `noted`, the registrar may have acted (a state-changing command's outcome is
   * unknown, or it is pending there): the cancel is noted (context.cancelRequested) and the
   * operation ends as the registrar says; a command it did not carry out is not sent again
   * (resend). `registrar`: in its states `from`, CANCEL leads to `step`, which cancels at the
   * registrar (transfer). A step's name stands for all its states (the step, its waits).
   */
  readonly cancel?: { readonly noted: readonly string[]; readonly registrar?: { readonly step: string; readonly from: readonly string[] } };
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
function cancelTransitions(states: Record<string, StateConfig>, steps: readonly StepSpec[], cancel: NonNullable<OperationSpec['cancel']>): void {
  const own = (listed: string, t: (name: string) => TransitionConfig) => {
    const step = steps.find((s) => s.name === listed);
    for (const name of step ? Object.keys(buildStep(step)) : [listed]) {
      const state = states[name];
      if (!state) throw new Error(`cancel: no state ${name}`);
      if (state.on?.['CANCEL']) throw new Error(`cancel: state ${name} is listed twice`);
      states[name] = { ...state, on: { ...state.on, CANCEL: [t(name)] } };
    }
  };
  const note = () => ({ cancelRequested: true });
  // A transition to the state itself: xstate neither leaves nor re-enters it (a pending command stays).
  for (const listed of cancel.noted) own(listed, (name) => ({ target: name, patch: note, description: 'cancel: noted, ends as the registrar says' }));
  const registrar = cancel.registrar;
  if (registrar) for (const listed of registrar.from) own(listed, () => ({ target: registrar.step, patch: note, description: 'cancel at the registrar' }));
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
  if (spec.cancel) cancelTransitions(states, spec.steps, spec.cancel);

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
  const firstEffect = spec.firstEffect;
  const effect = firstEffect
    ? (input: OperationInput) => {
        const step = input.redrive ? undefined : firstEffect(input);
        const command = spec.steps.find((s) => s.name === step)?.command;
        return step === undefined || command === undefined ? undefined : { step, command, resumeAt: spec.firstEffectResume ?? step };
      }
    : undefined;
  const plan = new MachinePlan({ type: spec.type, initial: 'start', states, on: { CANCEL: [cancel] }, context, effect, output: (ctx) => output({ context: ctx }) });
  return { machine, plan };
}

export type OperationMachine = ReturnType<typeof createOperation>['machine'];
