// The engine steps through the machines' plans (machines/plan.ts) instead of
// xstate actors. These tests hold the two to the same result: for arbitrary
// inputs (redrives included) and event sequences (every return code, uncertain
// outcomes, RESUME, CANCEL, events a state does not take), the plan and xstate's
// own transition function reach the same state, context, status and output at
// every step, and each restores the other's persisted snapshots.
import fc from 'fast-check';
import { createActor, initialTransition, transition, type SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.ts';
import { replyOf, uncertainReply } from '../../machines/drive.ts';
import { MACHINES, MachineContractError, nextAction, PLANS, type OperationEvent, type OperationInput, type OperationMachine } from '../../machines/index.ts';
import { baseInput, LATE, NEW, OLD, STEPS, T0, TYPES } from './machines-fixtures.ts';

type XSnapshot = SnapshotFrom<OperationMachine>;

const propsArb = fc.record({
  STATUS: fc.constantFrom([], ['ACTIVE'], ['REQUESTED'], ['PENDINGDELETE']),
  REGISTRATIONEXPIRATIONDATE: fc.constantFrom([], [OLD], [NEW]),
  TRANSFERSTATUS: fc.constantFrom([], ['pending'], ['clientApproved'], ['clientRejected']),
});

const eventArb: fc.Arbitrary<OperationEvent> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...CODES.map((c) => c.code)), propsArb, fc.constantFrom(T0 + 1_000, T0 + 3_600_000, LATE), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([code, props, now, random]) => ({ type: 'REPLY' as const, reply: replyOf(code, props), now, random })),
  },
  { weight: 2, arbitrary: fc.constantFrom(uncertainReply(421, 'timeout'), uncertainReply(423, 'empty_body')).map((reply) => ({ type: 'REPLY' as const, reply, now: T0 + 5_000, random: 0.3 })) },
  { weight: 3, arbitrary: fc.constantFrom(T0 + 2_000, LATE).map((now) => ({ type: 'RESUME' as const, now })) },
  { weight: 1, arbitrary: fc.constantFrom({ type: 'CANCEL' as const, reason: 'by a test' }, { type: 'CANCEL' as const }) },
);

const inputArb: fc.Arbitrary<OperationInput> = fc.oneof(
  fc.boolean().map((checked) => baseInput('register', { checked })),
  fc.boolean().map((known) => baseInput('renew', known ? { expiration: OLD } : {})),
  fc.boolean().map((hasAuth) => baseInput('transfer', { hasAuth })),
  fc.constant(baseInput('delete')),
  fc
    .tuple(fc.constantFrom(...TYPES), fc.boolean())
    .chain(([type, valid]) =>
      fc.constantFrom(...(valid ? Object.keys(STEPS[type]) : ['noSuchStep'])).map((step) => baseInput(type, { redrive: { step, carried: { expiration: OLD } } })),
    ),
);

/** The parts of a snapshot both runtimes must agree on (JSON: what is persisted). */
function essence(s: { status: string; value: unknown; context: unknown; output?: unknown }) {
  return JSON.parse(JSON.stringify({ status: s.status, value: s.value, context: s.context, output: s.output })) as unknown;
}

const persistedX = (machine: OperationMachine, s: XSnapshot) => JSON.parse(JSON.stringify(createActor(machine, { snapshot: s as never, input: undefined as never }).getPersistedSnapshot())) as unknown;

describe('machine plans step exactly as xstate does', () => {
  it('the same snapshots for arbitrary inputs and event sequences, through persist and restore', () => {
    fc.assert(
      fc.property(inputArb, fc.array(eventArb, { maxLength: 30 }), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (input, events, roundTrips) => {
        const machine = MACHINES[input.type];
        const plan = PLANS[input.type];
        let [x] = initialTransition(machine, input);
        let p = plan.start(input);
        expect(essence(p)).toEqual(essence(x));
        events.forEach((event, i) => {
          if (x.status !== 'active') return;
          [x] = transition(machine, x, event);
          p = plan.send(p, event);
          if (roundTrips[i]) {
            // cross-restore: each runtime continues from the other's persisted snapshot
            const fromPlan = JSON.parse(JSON.stringify(plan.persist(p))) as unknown;
            const fromX = persistedX(machine, x);
            expect(fromPlan).toEqual(fromX);
            x = createActor(machine, { snapshot: fromPlan as never, input: undefined as never }).getSnapshot();
            // the engine's stored form restores to the same snapshot, request included
            const stored = JSON.parse(JSON.stringify(plan.stored(p))) as unknown;
            expect(JSON.parse(JSON.stringify(plan.persist(plan.restore(stored))))).toEqual(fromX);
            p = roundTrips[(i + 1) % roundTrips.length] ? plan.restore(fromX) : plan.restore(stored);
          }
          expect(essence(p)).toEqual(essence(x));
          for (const tag of ['step', 'waiting', 'final']) expect(p.hasTag(tag)).toBe(x.hasTag(tag));
          expect(nextAction(p)).toEqual(nextAction(x));
        });
      }),
      { numRuns: 600 },
    );
  });

  it('an event the state does not take leaves the snapshot as it was', () => {
    const plan = PLANS.register;
    const s = plan.start(baseInput('register'));
    expect(s.value).toBe('checkDomain');
    expect(plan.send(s, { type: 'RESUME', now: T0 })).toBe(s);
  });

  it('a finished run ignores further events', () => {
    const plan = PLANS.delete;
    const done = plan.send(plan.start(baseInput('delete')), { type: 'CANCEL' });
    expect(done.status).toBe('done');
    expect(done.output).toMatchObject({ status: 'failed', failure: { type: 'cancelled' } });
    expect(plan.send(done, { type: 'REPLY', reply: replyOf(200), now: T0, random: 0.5 })).toBe(done);
  });

  it('refuses to restore what is not one of its snapshots, naming what is wrong', () => {
    const plan = PLANS.renew;
    const good = plan.persist(plan.start(baseInput('renew')));
    expect(() => plan.restore({ ...good, value: 'addDomain' })).toThrow(/cannot restore a snapshot at "addDomain"/);
    expect(() => plan.restore({ ...good, status: 'error' })).toThrow(MachineContractError);
    expect(() => plan.restore({ ...good, context: undefined })).toThrow(/without a context/);
    expect(() => plan.restore(null)).toThrow(MachineContractError);
    expect(plan.restore(JSON.parse(JSON.stringify(good))).value).toBe('readExpiration');
  });
});
