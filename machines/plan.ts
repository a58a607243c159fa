// The operation machines as plans the engine steps through directly. A plan is
// the definition createOperation also hands to xstate (states with tags, guarded
// transitions, context updates on transitions and on entry, eventless
// transitions, a root CANCEL): flat, with no actors, timers, history or
// parallel states. Stepping it does what xstate's transition function does for
// such a machine, without an actor per run: restoring, stepping and persisting
// an operation costs a few microseconds instead of tens, which counts when the
// engine runs thousands of operations a second. The snapshots it persists have
// xstate's persisted shape, so either can restore the other's; the tests
// (machines-plan.test.ts) hold the two to the same result on every machine.
import type { OperationEvent, OperationInput, OperationOutput, OperationType } from './contract.ts';
import { initialContext, restoredContext, storedContext, type OpContext } from './context.ts';
import { MachineContractError } from './next-action.ts';
import type { StateConfig, TransitionConfig } from './step.ts';

export interface PlanDefinition {
  readonly type: OperationType;
  readonly initial: string;
  readonly states: Readonly<Record<string, StateConfig>>;
  /** Transitions of the root: taken from any state whose own transitions do not take the event. */
  readonly on: Readonly<Record<string, readonly TransitionConfig[]>>;
  readonly context: (input: OperationInput) => OpContext;
  /**
   * Where OperationSpec.firstEffect allows one: the first state-changing step, its command, and
   * the step a run resumes at when an earlier one may have sent it unrecorded.
   */
  readonly effect?: ((input: OperationInput) => { readonly step: string; readonly command: string; readonly resumeAt: string } | undefined) | undefined;
  readonly output: (ctx: OpContext) => OperationOutput;
}

/** xstate's persisted snapshot, as a flat machine has it. */
export interface PersistedPlanSnapshot {
  readonly status: 'active' | 'done';
  readonly value: string;
  readonly historyValue: Record<string, never>;
  readonly context: OpContext;
  readonly children: Record<string, never>;
  readonly output?: OperationOutput;
}

/**
 * A snapshot as the engine stores it (JSON): xstate's persisted shape less what restore puts
 * back: historyValue and children (a flat machine's are always empty), and the context's
 * pending request and fields at their initial values (see storedContext).
 */
export interface StoredPlanSnapshot {
  readonly status: 'active' | 'done';
  readonly value: string;
  readonly context: Partial<OpContext>;
  readonly output?: OperationOutput;
}

/** A machine snapshot: what nextAction reads. */
export class PlanSnapshot {
  constructor(
    private readonly tags: ReadonlySet<string>,
    readonly status: 'active' | 'done',
    readonly value: string,
    readonly context: OpContext,
    readonly output?: OperationOutput,
  ) {}

  hasTag(tag: string): boolean {
    return this.tags.has(tag);
  }
}

interface CompiledState {
  readonly name: string;
  readonly tags: ReadonlySet<string>;
  /** A step state: its entry makes the command it asks for (context.request). */
  readonly step: boolean;
  readonly final: boolean;
  readonly entry: StateConfig['entry'];
  readonly on: ReadonlyMap<string, readonly TransitionConfig[]>;
  readonly always: readonly TransitionConfig[];
}

const NO_EVENT = { type: 'xstate.init' } as unknown as OperationEvent;
/** Eventless transitions chained further than this mean a loop in the definition. */
const MAX_MICROSTEPS = 100;

export class MachinePlan {
  readonly type: OperationType;
  private readonly states = new Map<string, CompiledState>();
  private readonly rootOn: ReadonlyMap<string, readonly TransitionConfig[]>;

  constructor(private readonly definition: PlanDefinition) {
    this.type = definition.type;
    for (const [name, s] of Object.entries(definition.states)) {
      this.states.set(name, {
        name,
        tags: new Set(s.tags ?? []),
        step: s.tags?.includes('step') === true,
        final: s.type === 'final',
        entry: s.entry,
        on: new Map(Object.entries(s.on ?? {})),
        always: s.always ?? [],
      });
    }
    this.rootOn = new Map(Object.entries(definition.on));
    if (!this.states.has(definition.initial)) throw new Error(`${this.type}: no initial state ${definition.initial}`);
  }

  /** The snapshot a fresh run starts from (the machine's initial state, its eventless transitions taken). */
  start(input: OperationInput): PlanSnapshot {
    const initial = this.state(this.definition.initial);
    let ctx = this.definition.context(input);
    if (initial.entry) ctx = updated(ctx, initial.entry(ctx, NO_EVENT));
    return this.settle(initial, ctx, NO_EVENT);
  }

  /** The step of the operation's first state-changing command when it needs nothing but the input (OperationSpec.firstEffect), or undefined. */
  firstEffectStep(input: OperationInput): string | undefined {
    return this.definition.effect?.(input)?.step;
  }

  /**
   * Where a run resumes when an earlier one may have sent that command with nothing recorded:
   * at the command itself, its request made (`unknown`: the run makes its outcome unknown, as for
   * an in-flight marker), or at the step that reads what happened (OperationSpec.firstEffectResume).
   * Undefined where the operation has no such command.
   */
  firstEffectResume(input: OperationInput): { readonly snapshot: PlanSnapshot; readonly unknown: boolean; readonly step: string; readonly command: string } | undefined {
    const effect = this.definition.effect?.(input);
    if (!effect) return undefined;
    const initial = this.state(this.definition.initial);
    const ctx = initialContext(input, effect.resumeAt);
    const snapshot = this.settle(initial, initial.entry ? updated(ctx, initial.entry(ctx, NO_EVENT)) : ctx, NO_EVENT);
    return { snapshot, unknown: snapshot.value === effect.step, step: effect.step, command: effect.command };
  }

  /** The snapshot after `event`; the same snapshot when no transition takes it or the machine is done. */
  send(snapshot: PlanSnapshot, event: OperationEvent): PlanSnapshot {
    if (snapshot.status !== 'active') return snapshot;
    const source = this.state(snapshot.value);
    const ctx = snapshot.context;
    const t = pick(source.on.get(event.type), ctx, event) ?? pick(this.rootOn.get(event.type), ctx, event);
    if (!t) return snapshot;
    const [state, next] = this.microstep(source, t, ctx, event);
    return this.settle(state, next, event);
  }

  /**
   * A snapshot from its persisted form: this plan's or xstate's getPersistedSnapshot, or the
   * stored form. A step state's request, when the form leaves it out, is made again by the
   * state's entry: a function of the context alone, as the request was when it was made.
   */
  restore(persisted: unknown): PlanSnapshot {
    const p = persisted as Partial<PersistedPlanSnapshot> | null;
    if (!p || typeof p !== 'object' || typeof p.value !== 'string' || !this.states.has(p.value)) {
      throw new MachineContractError(`${this.type}: cannot restore a snapshot at ${JSON.stringify(p?.value ?? null)}`);
    }
    if (p.status !== 'active' && p.status !== 'done') throw new MachineContractError(`${this.type}: cannot restore a ${String(p.status)} snapshot`);
    if (!p.context || typeof p.context !== 'object') throw new MachineContractError(`${this.type}: snapshot without a context`);
    const state = this.state(p.value);
    const context = restoredContext(p.context);
    if (state.step && context.request === null && state.entry) {
      (context as { request: OpContext['request'] }).request = state.entry(context, NO_EVENT).request ?? null;
    }
    return new PlanSnapshot(state.tags, p.status, p.value, context, p.output);
  }

  /**
   * Whether the state (by name) takes CANCEL itself: to a step that cancels at the registrar,
   * or noted while the registrar may have acted (see OperationSpec.cancel). False elsewhere,
   * and for names that are not states: there CANCEL ends the operation at once.
   */
  takesCancel(state: unknown): boolean {
    return typeof state === 'string' && this.states.get(state)?.on.has('CANCEL') === true;
  }

  /** The form the engine stores: see StoredPlanSnapshot. */
  stored(snapshot: PlanSnapshot): StoredPlanSnapshot {
    const base = { status: snapshot.status, value: snapshot.value, context: storedContext(snapshot.context) };
    return snapshot.output === undefined ? base : { ...base, output: snapshot.output };
  }

  /** The persisted form: xstate's shape, ready for JSON. */
  persist(snapshot: PlanSnapshot): PersistedPlanSnapshot {
    const base = { status: snapshot.status, value: snapshot.value, historyValue: {}, context: snapshot.context, children: {} };
    return snapshot.output === undefined ? base : { ...base, output: snapshot.output };
  }

  private state(name: string): CompiledState {
    const s = this.states.get(name);
    if (!s) throw new MachineContractError(`${this.type}: no state ${JSON.stringify(name)}`);
    return s;
  }

  /** Take transition `t` from `source`: its update, then (unless it targets `source` itself) the target's entry. */
  private microstep(source: CompiledState, t: TransitionConfig, ctx: OpContext, event: OperationEvent): [CompiledState, OpContext] {
    const next = t.patch ? updated(ctx, t.patch(ctx, event)) : ctx;
    if (t.target === source.name) return [source, next];
    const target = this.state(t.target);
    if (!target.entry) return [target, next];
    const patch = target.entry(next, event);
    // A context this step made is nobody else's yet: the entry's update goes into it, not into another copy.
    return [target, next === ctx ? updated(next, patch) : Object.assign(next, patch)];
  }

  /** Follow eventless transitions, then make the snapshot (done, with its output, in a final state). */
  private settle(state: CompiledState, ctx: OpContext, event: OperationEvent): PlanSnapshot {
    for (let i = 0; !state.final; i++) {
      const t = pick(state.always, ctx, event);
      if (!t) break;
      if (i >= MAX_MICROSTEPS) throw new MachineContractError(`${this.type}: eventless transitions loop at ${state.name}`);
      [state, ctx] = this.microstep(state, t, ctx, event);
    }
    if (state.final) return new PlanSnapshot(state.tags, 'done', state.name, ctx, this.definition.output(ctx));
    return new PlanSnapshot(state.tags, 'active', state.name, ctx);
  }
}

/** xstate's assign: a new context with the patch's properties over the old. (A copy, then assignment: cheaper in V8 than a second spread.) */
function updated(ctx: OpContext, patch: Partial<OpContext>): OpContext {
  return Object.assign({ ...ctx }, patch);
}

function pick(list: readonly TransitionConfig[] | undefined, ctx: OpContext, event: OperationEvent): TransitionConfig | undefined {
  if (!list) return undefined;
  for (const t of list) if (!t.guard || t.guard(ctx, event)) return t;
  return undefined;
}
