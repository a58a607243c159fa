// Assembles one operation machine from its steps: a transient `start` that
// picks the first step (default, input-dependent, or a redrive's), the steps
// and their waiting states, and the two final states.
import { setup } from 'xstate';
import type { Carried, OperationEvent, OperationInput, OperationOutput, OperationType } from './contract.ts';
import { fail, initialContext, INVALID_ENTRY, type OpContext } from './context.ts';
import { buildStep, update, type StateConfig, type StepSpec, type TransitionConfig } from './step.ts';

export interface OperationSpec {
  readonly type: OperationType;
  readonly steps: readonly StepSpec[];
  /** Waiting states between polls: name -> the step to resume at. */
  readonly polls?: Readonly<Record<string, string>>;
  /** The first step without a redrive, with the input condition it stands for. */
  readonly entries: ReadonlyArray<{ readonly step: string; readonly label: string; readonly when: (input: OperationInput) => boolean }>;
  /** A redrive to `step` that lacks the data it needs starts elsewhere (renew: without the old expiration). */
  readonly redriveTo?: (step: string, carried: Carried) => string;
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

export function createOperationMachine(spec: OperationSpec) {
  const states: Record<string, StateConfig> = {};
  const entries = new Map(spec.entries.map((e) => [e.step, e.label]));
  const start: TransitionConfig[] = spec.steps.map((s) => ({
    target: s.name,
    guard: ({ context }) => context.entry === s.name,
    description: entries.get(s.name) ?? 'redrive',
  }));
  start.push({
    target: 'failed',
    actions: update((ctx) => fail(ctx, 'invalid_redrive', 0, `no step ${JSON.stringify(ctx.entry)} in ${spec.type}`)),
    description: 'redrive to an unknown step',
  });
  states['start'] = { always: start };
  for (const step of spec.steps) Object.assign(states, buildStep(step));
  for (const [name, target] of Object.entries(spec.polls ?? {})) {
    states[name] = { tags: ['waiting'], on: { RESUME: [{ target, description: 'resume: poll' }] } };
  }
  states['succeeded'] = { type: 'final', tags: ['final'] };
  states['failed'] = { type: 'final', tags: ['final'] };

  for (const [name, state] of Object.entries(states)) {
    for (const t of [...(state.always ?? []), ...Object.values(state.on ?? {}).flat()]) {
      if (!(t.target in states)) throw new Error(`${spec.type}: ${name} -> unknown state ${t.target}`);
    }
  }

  const config = {
    id: spec.type,
    initial: 'start',
    context: ({ input }: { input: OperationInput }) => initialContext(input, entryOf(spec, input)),
    states,
    on: {
      CANCEL: {
        target: '.failed',
        actions: update((ctx, ev) =>
          fail(ctx, 'cancelled', 0, ev.type === 'CANCEL' && ev.reason ? `cancelled: ${ev.reason.slice(0, 200)}` : 'cancelled', ctx.step),
        ),
        description: 'cancel',
      },
    },
    output,
  } as unknown as MachineConfig;
  return base.createMachine(config);
}

export type OperationMachine = ReturnType<typeof createOperationMachine>;
