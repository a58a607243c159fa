// Exactly-once against a model registrar with faults, including "commit then
// drop" (the command takes effect but the reply is lost): whatever the faults,
// no domain is registered, renewed, transferred or deleted twice, and an
// operation that succeeded really took effect. And a cancel at any moment the
// engine could deliver one: an operation that ends `cancelled` had no effect
// (a transfer's request, if made, was cancelled at the registrar).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drive, replyOf, uncertainReply } from '../../machines/drive.ts';
import { MACHINES, nextAction, PLANS, type OperationInput, type OperationOutput, type StepReply } from '../../machines/index.ts';
import type { CommandAction } from '../../machines/drive.ts';
import { baseInput, OLD } from './machines-fixtures.ts';

type Fault = 'ok' | 'temp' | 'lock' | 'closed' | 'lost-before' | 'lost-after';

interface World {
  ours: boolean;
  takenByOther: boolean;
  status: 'ACTIVE' | 'REQUESTED';
  year: number;
  transfer: 'none' | 'pending' | 'approved' | 'cancelled';
  polls: number;
  effects: { registered: number; renewed: number; transferred: number; deleted: number };
}

const date = (year: number) => `${year}-05-01 10:00:00`;

/** The registrar's semantics for the commands the machines send (PROTOCOL.md). */
function execute(w: World, c: CommandAction, pendingRegistrations: boolean): StepReply {
  const p = c.params;
  switch (c.command) {
    case 'CheckDomain':
      return replyOf(w.ours || w.takenByOther ? 211 : 210);
    case 'AddDomain':
      if (w.ours || w.takenByOther) return replyOf(554);
      w.ours = true;
      w.status = pendingRegistrations ? 'REQUESTED' : 'ACTIVE';
      w.year = 2027;
      w.effects.registered++;
      return replyOf(200, { STATUS: [w.status], ...(w.status === 'ACTIVE' ? { REGISTRATIONEXPIRATIONDATE: [date(w.year)] } : {}) });
    case 'StatusDomain':
      if (!w.ours) return replyOf(545);
      if (w.status === 'REQUESTED' && ++w.polls >= 2) w.status = 'ACTIVE';
      return replyOf(200, { STATUS: [w.status], REGISTRATIONEXPIRATIONDATE: [date(w.year)] });
    case 'RenewDomain':
      if (!w.ours) return replyOf(545);
      if (Number(p['EXPIRATION']) !== w.year) return replyOf(555);
      w.year += Number(p['PERIOD']);
      w.effects.renewed++;
      return replyOf(200, { REGISTRATIONEXPIRATIONDATE: [date(w.year)] });
    case 'CheckDomainTransfer':
      return replyOf(218);
    case 'TransferDomain':
      if (p['ACTION'] === 'CANCEL') {
        if (w.transfer !== 'pending') return replyOf(534);
        w.transfer = 'cancelled';
        return replyOf(200, { TRANSFERSTATUS: ['clientCancelled'] });
      }
      if (c.secrets?.['AUTH'] !== 'auth') return replyOf(504);
      if (w.transfer === 'pending' || w.transfer === 'approved') return replyOf(536);
      w.transfer = 'pending';
      w.effects.transferred++;
      return replyOf(200, { TRANSFERSTATUS: ['pending'] });
    case 'StatusDomainTransfer':
      if (w.transfer === 'none') return replyOf(545);
      if (w.transfer === 'pending' && ++w.polls >= 2) {
        w.transfer = 'approved';
        w.ours = true;
      }
      return replyOf(200, { TRANSFERSTATUS: [{ approved: 'serverApproved', cancelled: 'clientCancelled', pending: 'pending' }[w.transfer]] });
    case 'DeleteDomain':
      if (!w.ours) return replyOf(545);
      w.ours = false;
      w.effects.deleted++;
      return replyOf(200, { STATUS: ['PENDINGDELETE'] });
    default:
      return replyOf(500);
  }
}

function respond(w: World, c: CommandAction, fault: Fault, pendingRegistrations: boolean): StepReply {
  if (fault === 'temp') return replyOf(421);
  if (fault === 'lock') return replyOf(422);
  if (fault === 'closed') return replyOf(520);
  if (fault === 'lost-before') return uncertainReply(421, 'connection_refused');
  const reply = execute(w, c, pendingRegistrations);
  return fault === 'lost-after' ? uncertainReply(421, 'timeout') : reply;
}

function world(input: OperationInput): World {
  const owned = input.type === 'renew' || input.type === 'delete';
  return { ours: owned, takenByOther: false, status: 'ACTIVE', year: 2026, transfer: 'none', polls: 0, effects: { registered: 0, renewed: 0, transferred: 0, deleted: 0 } };
}

function effectOf(w: World, input: OperationInput): number {
  return { register: w.effects.registered, renew: w.effects.renewed, transfer: w.effects.transferred, delete: w.effects.deleted }[input.type];
}

function runAll(input: OperationInput, w: World, faults: readonly Fault[], pending: boolean): OperationOutput | undefined {
  // The engine fills the secret in: here the command's `secrets` name it, the model checks the name.
  return drive(MACHINES[input.type], input, (c, i) => respond(w, c, faults[i] ?? 'ok', pending), { commandMs: 200 }).output;
}

const faultArb = fc.constantFrom<Fault>('ok', 'ok', 'ok', 'temp', 'lock', 'closed', 'lost-before', 'lost-after', 'lost-after');
/** A bad day: every reply lost or refused for a while, so steps run out of tries and fail. */
const harshArb = fc.constantFrom<Fault>('temp', 'lost-before', 'lost-after', 'closed');
const faultsArb = fc.oneof(fc.array(faultArb, { maxLength: 30 }), fc.array(harshArb, { minLength: 8, maxLength: 40 }));
const inputArb = fc.oneof(
  fc.boolean().map((checked) => baseInput('register', { checked })),
  fc.boolean().map((known) => baseInput('renew', known ? { expiration: OLD } : {})),
  fc.constant(baseInput('transfer')),
  fc.constant(baseInput('delete')),
);

describe('exactly once, against a model registrar with faults', () => {
  it('never twice; succeeded means it happened; a redrive of a failure finishes the job', () => {
    fc.assert(
      fc.property(inputArb, faultsArb, fc.boolean(), (input, faults, pending) => {
        const w = world(input);
        const output = runAll(input, w, faults, pending);
        expect(output).toBeDefined();
        expect(effectOf(w, input)).toBeLessThanOrEqual(1);
        if (output?.status === 'succeeded') expect(effectOf(w, input)).toBe(1);
        if (output?.status === 'succeeded' && input.type === 'renew') expect(output.result.expirationDate).toBe(date(2027));
        if (output?.status === 'failed') {
          // Redrive from the failed step without faults: the operation completes, still only once.
          const again = runAll({ ...input, startedAt: input.startedAt + 1e9, redrive: output.redrive }, w, [], pending);
          expect(again).toMatchObject({ status: 'succeeded' });
          expect(effectOf(w, input)).toBe(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * The machine run as the engine runs it, with CANCEL delivered before the actions `cancelAt`
 * (a command not sent yet, or a wait). `clean`: the first cancel came before any state-changing
 * command was sent.
 */
function runWithCancel(input: OperationInput, w: World, faults: readonly Fault[], cancelAt: readonly number[], pending: boolean): { output: OperationOutput; clean: boolean | undefined } {
  const plan = PLANS[input.type];
  let snap = plan.start(input);
  let now = input.startedAt;
  let commands = 0;
  let changed = false;
  let clean: boolean | undefined;
  for (let i = 0; i < 1_000; i++) {
    if (cancelAt.includes(i)) {
      clean ??= !changed;
      snap = plan.send(snap, { type: 'CANCEL', reason: 'by a test' });
    }
    const action = nextAction(snap);
    if (action.kind === 'final') return { output: action.output, clean };
    if (action.kind === 'wait') {
      now += action.delayMs;
      snap = plan.send(snap, { type: 'RESUME', now });
      continue;
    }
    changed ||= action.changesState;
    const reply = respond(w, action, faults[commands++] ?? 'ok', pending);
    now += 200;
    snap = plan.send(snap, { type: 'REPLY', reply, now, random: 0.5 });
  }
  throw new Error('no end in 1,000 actions');
}

describe('a cancel at any moment, against the same model registrar', () => {
  it('never twice; cancelled means nothing happened (or the transfer was cancelled there); succeeded means it happened', () => {
    fc.assert(
      fc.property(inputArb, fc.array(faultArb, { maxLength: 30 }), fc.array(fc.nat({ max: 14 }), { minLength: 1, maxLength: 2 }), fc.boolean(), (input, faults, cancelAt, pending) => {
        const w = world(input);
        const { output, clean } = runWithCancel(input, w, faults, cancelAt, pending);
        expect(effectOf(w, input)).toBeLessThanOrEqual(1);
        // A cancel before anything could have reached the registrar ends the operation there and then.
        if (clean === true) expect(output).toMatchObject({ status: 'failed', failure: { type: 'cancelled' } });
        if (output.status === 'failed' && output.failure.type === 'cancelled') {
          if (input.type === 'transfer') expect(['none', 'cancelled']).toContain(w.transfer);
          else expect(effectOf(w, input)).toBe(0);
        }
        if (output.status === 'succeeded') expect(input.type === 'transfer' ? w.transfer : effectOf(w, input)).toBe(input.type === 'transfer' ? 'approved' : 1);
      }),
      { numRuns: 1_000 },
    );
  });
});
