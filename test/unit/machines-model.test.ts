// Model-based: xstate/graph enumerates every simple path of every machine over
// scripted replies; each path is replayed on the real machine and every step
// must land where this oracle (written from the specification) says.
import { getSimplePaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { replyOf, uncertainReply } from '../../machines/drive.ts';
import { failureInfo, MACHINES, type OperationEvent, type OperationInput, type OperationType, type StepReply } from '../../machines/index.ts';
import { edgesOf } from '../../machines/mermaid.ts';
import { baseInput, EARLY, LATE, NEW, OLD, POLLS, RECONCILE, start, STATE_CHANGING, STEPS, T0, type Snap } from './machines-fixtures.ts';
import { transition } from 'xstate';

interface Case {
  readonly label: string;
  readonly reply: StepReply;
  readonly late?: boolean;
  /** The state it must lead to. */
  readonly to: string;
  readonly failure?: string;
}

const active = { STATUS: ['ACTIVE'], REGISTRATIONEXPIRATIONDATE: [NEW] };
const pending = { STATUS: ['REQUESTED'] };
const c = (label: string, reply: StepReply, to: string, failure?: string, late = false): Case => ({ label, reply, to, ...(failure ? { failure } : {}), late });

/** Replies every step meets, and where the class rules send them. */
function generic(step: string, command: string): Case[] {
  const changes = STATE_CHANGING.has(command);
  return [
    c('421', replyOf(421), `${step}Wait`),
    c('422', replyOf(422), `${step}Wait`),
    c('520', replyOf(520), `${step}Wait`),
    c('uncertain', uncertainReply(), changes ? `${step}Unknown` : `${step}Wait`),
    c('421 late', replyOf(421), 'failed', 'retries_exhausted', true),
    c('422 late', replyOf(422), 'failed', 'retries_exhausted', true),
    // Even past the deadline, a state-changing command with an unknown outcome is reconciled first.
    changes ? c('uncertain late', uncertainReply(), `${step}Unknown`, undefined, true) : c('uncertain late', uncertainReply(), 'failed', 'retries_exhausted', true),
    c('504', replyOf(504), 'failed', 'missing_required_attribute'),
    c('546', replyOf(546), 'failed', 'credit_limit_exceeded'),
  ];
}

/** The specific replies of each step (the specification's rules 4-7). */
const SPECIFIC: Record<string, Case[]> = {
  checkDomain: [c('210', replyOf(210), 'addDomain'), c('211', replyOf(211), 'failed', 'domain_not_available')],
  addDomain: [
    c('200 active', replyOf(200, active), 'succeeded'),
    c('220 active', replyOf(220, active), 'succeeded'),
    c('200 pending', replyOf(200, pending), 'registrationPending'),
    c('200 pending late', replyOf(200, pending), 'failed', 'registration_timed_out', true),
    c('200 no date', replyOf(200, {}), 'pollRegistration'),
    c('554', replyOf(554), 'statusAfterTaken'),
  ],
  reconcileAdd: [
    c('200 active', replyOf(200, active), 'succeeded'),
    c('200 pending', replyOf(200, pending), 'registrationPending'),
    c('545', replyOf(545), 'addDomain'),
    c('545 late', replyOf(545), 'failed', 'retries_exhausted', true),
  ],
  recheckAdd: [
    c('200 active', replyOf(200, active), 'succeeded'),
    c('200 pending', replyOf(200, pending), 'registrationPending'),
    c('545', replyOf(545), 'checkDomain'),
    c('545 late', replyOf(545), 'failed', 'retries_exhausted', true),
  ],
  statusAfterTaken: [
    c('200 active', replyOf(200, active), 'succeeded'),
    c('200 pending', replyOf(200, pending), 'registrationPending'),
    c('545', replyOf(545), 'failed', 'domain_already_registered'),
  ],
  pollRegistration: [
    c('200 active', replyOf(200, active), 'succeeded'),
    c('200 pending', replyOf(200, pending), 'registrationPending'),
    c('200 pending late', replyOf(200, pending), 'failed', 'registration_timed_out', true),
    c('545', replyOf(545), 'failed', 'registration_rejected'),
  ],
  readExpiration: [
    c('200', replyOf(200, { REGISTRATIONEXPIRATIONDATE: [OLD] }), 'renewDomain'),
    c('200 no date', replyOf(200, {}), 'failed', 'protocol_error'),
    c('545', replyOf(545), 'failed', 'entity_not_found'),
  ],
  renewDomain: [c('200', replyOf(200, { REGISTRATIONEXPIRATIONDATE: [NEW] }), 'succeeded'), c('555', replyOf(555), 'statusAfterRenewed')],
  reconcileRenew: [
    c('200 new year', replyOf(200, { REGISTRATIONEXPIRATIONDATE: [NEW] }), 'succeeded'),
    c('200 old year', replyOf(200, { REGISTRATIONEXPIRATIONDATE: [OLD] }), 'renewDomain'),
    c('200 old year late', replyOf(200, { REGISTRATIONEXPIRATIONDATE: [OLD] }), 'failed', 'retries_exhausted', true),
    c('200 other year', replyOf(200, { REGISTRATIONEXPIRATIONDATE: ['2029-05-01'] }), 'failed', 'domain_already_renewed'),
    c('545', replyOf(545), 'failed', 'entity_not_found'),
  ],
  statusAfterRenewed: [
    c('200 new year', replyOf(200, { REGISTRATIONEXPIRATIONDATE: [NEW] }), 'succeeded'),
    c('200 old year', replyOf(200, { REGISTRATIONEXPIRATIONDATE: [OLD] }), 'failed', 'domain_already_renewed'),
  ],
  checkTransfer: [c('218', replyOf(218), 'transferDomain'), c('219', replyOf(219), 'failed', 'transfer_not_available')],
  transferDomain: [
    c('200 pending', replyOf(200, { TRANSFERSTATUS: ['pending'] }), 'transferPending'),
    c('200 approved', replyOf(200, { TRANSFERSTATUS: ['serverApproved'] }), 'succeeded'),
    c('530', replyOf(530), 'failed', 'transfer_auth_invalid'),
    c('531', replyOf(531), 'failed', 'transfer_auth_invalid'),
  ],
  reconcileTransfer: [
    c('200 pending', replyOf(200, { TRANSFERSTATUS: ['INITIATED'] }), 'transferPending'),
    c('200 approved', replyOf(200, { TRANSFERSTATUS: ['clientApproved'] }), 'succeeded'),
    c('545', replyOf(545), 'transferDomain'),
    c('545 late', replyOf(545), 'failed', 'retries_exhausted', true),
  ],
  pollTransfer: [
    c('200 pending', replyOf(200, { TRANSFERSTATUS: ['pending'] }), 'transferPending'),
    c('200 pending late', replyOf(200, { TRANSFERSTATUS: ['pending'] }), 'failed', 'transfer_timed_out', true),
    c('200 approved', replyOf(200, { TRANSFERSTATUS: ['clientApproved'] }), 'succeeded'),
    c('200 rejected', replyOf(200, { TRANSFERSTATUS: ['clientRejected'] }), 'failed', 'transfer_rejected'),
    c('200 cancelled', replyOf(200, { TRANSFERSTATUS: ['serverCancelled'] }), 'failed', 'transfer_rejected'),
    c('545', replyOf(545), 'statusAfterNoTransfer'),
  ],
  statusAfterNoTransfer: [c('200', replyOf(200, active), 'succeeded'), c('545', replyOf(545), 'failed', 'transfer_rejected')],
  cancelTransfer: [
    c('200 cancelled', replyOf(200, { TRANSFERSTATUS: ['clientCancelled'] }), 'failed', 'cancelled'),
    c('200 no status', replyOf(200, {}), 'failed', 'cancelled'),
    c('200 approved', replyOf(200, { TRANSFERSTATUS: ['serverApproved'] }), 'succeeded'),
    c('534', replyOf(534), 'statusAfterCancel'),
    c('545', replyOf(545), 'statusAfterCancel'),
    // A refused cancel: the transfer goes on (these replace the generic cases of the same label); an account-level code fails it (546, generic).
    c('504', replyOf(504), 'pollTransfer'),
    c('552', replyOf(552), 'pollTransfer'),
  ],
  statusAfterCancel: [
    c('200 approved', replyOf(200, { TRANSFERSTATUS: ['clientApproved'] }), 'succeeded'),
    c('200 cancelled', replyOf(200, { TRANSFERSTATUS: ['clientCancelled'] }), 'failed', 'cancelled'),
    c('200 rejected', replyOf(200, { TRANSFERSTATUS: ['clientRejected'] }), 'failed', 'transfer_rejected'),
    c('200 pending', replyOf(200, { TRANSFERSTATUS: ['pending'] }), 'cancelTransferWait'),
    c('200 pending late', replyOf(200, { TRANSFERSTATUS: ['pending'] }), 'failed', 'transfer_timed_out', true),
    c('545', replyOf(545), 'domainAfterCancel'),
  ],
  domainAfterCancel: [c('200', replyOf(200, active), 'succeeded'), c('545', replyOf(545), 'failed', 'cancelled')],
  deleteDomain: [c('200', replyOf(200, {}), 'succeeded'), c('552', replyOf(552), 'failed', 'domain_status_forbids'), c('553', replyOf(553), 'failed', 'domain_pending_transfer')],
  reconcileDelete: [
    c('545 gone', replyOf(545), 'succeeded'),
    c('200 PENDINGDELETE', replyOf(200, { STATUS: ['PENDINGDELETE'] }), 'succeeded'),
    c('200 still there', replyOf(200, active), 'deleteDomain'),
    c('200 still there late', replyOf(200, active), 'failed', 'retries_exhausted', true),
  ],
};

type Labelled = OperationEvent & { readonly label: string; readonly to: string; readonly failure?: string };

/**
 * Where CANCEL leads (the specification): a transfer whose request may be at the registrar
 * cancels it there (cancelTransfer); where the registrar may have acted (a state-changing
 * command's outcome unknown, a registration pending) or while cancelling, it is noted in place;
 * anywhere else the operation ends `cancelled`.
 */
const CANCEL_AT_REGISTRAR: ReadonlySet<string> = new Set([
  'transferDomainUnknown',
  'reconcileTransfer',
  'reconcileTransferWait',
  'pollTransfer',
  'pollTransferWait',
  'transferPending',
  'statusAfterNoTransfer',
  'statusAfterNoTransferWait',
]);
const NOTED: ReadonlySet<string> = new Set([
  ...['cancelTransfer', 'statusAfterCancel', 'domainAfterCancel'].flatMap((s) => [s, `${s}Wait`, `${s}Unknown`]),
  ...['reconcileAdd', 'recheckAdd', 'statusAfterTaken', 'pollRegistration', 'reconcileRenew', 'statusAfterRenewed', 'reconcileDelete'].flatMap((s) => [s, `${s}Wait`]),
  'addDomainUnknown',
  'registrationPending',
  'renewDomainUnknown',
  'deleteDomainUnknown',
]);

function cancelEvent(state: string): Labelled {
  const base = { type: 'CANCEL' as const, reason: 'by a test', label: `${state} cancel` };
  if (CANCEL_AT_REGISTRAR.has(state)) return { ...base, to: 'cancelTransfer' };
  if (NOTED.has(state)) return { ...base, to: state };
  return { ...base, to: 'failed', failure: 'cancelled' };
}

function eventsFor(type: OperationType) {
  const steps = STEPS[type];
  const cache = new Map<string, Labelled[]>();
  return (snapshot: Snap): Labelled[] => {
    const state = String(snapshot.value);
    const hit = cache.get(state);
    if (hit) return hit;
    let events: Labelled[] = [];
    const command = steps[state];
    if (command !== undefined) {
      const specific = SPECIFIC[state] ?? [];
      const own = new Set(specific.map((k) => k.label));
      events = [...generic(state, command).filter((k) => !own.has(k.label)), ...specific].map((k) => ({
        type: 'REPLY' as const,
        reply: k.reply,
        now: k.late ? LATE : EARLY,
        random: 0.5,
        label: `${state} ${k.label}`,
        to: k.to,
        ...(k.failure ? { failure: k.failure } : {}),
      }));
    } else if (snapshot.status === 'active') {
      const to = POLLS[state] ?? (state.endsWith('Unknown') ? RECONCILE[state.slice(0, -'Unknown'.length)] : state.slice(0, -'Wait'.length));
      events = [{ type: 'RESUME', now: EARLY, label: `${state} resume`, to: to ?? '?' }];
    }
    if (snapshot.status === 'active' && state !== 'start') events.push(cancelEvent(state));
    cache.set(state, events);
    return events;
  };
}

function inputsFor(type: OperationType): OperationInput[] {
  const list = [baseInput(type)];
  if (type === 'register') list.push(baseInput(type, { checked: true }));
  if (type === 'renew') list.push(baseInput(type, { expiration: OLD }));
  if (type === 'transfer') list.push(baseInput(type, { hasAuth: false }));
  for (const step of Object.keys(STEPS[type])) list.push(baseInput(type, { redrive: { step, carried: { expiration: OLD } } }));
  list.push(baseInput(type, { redrive: { step: 'noSuchStep' } }));
  return list;
}

describe.each([...['register', 'renew', 'transfer', 'delete'] as const])('%s: every simple path', (type) => {
  const machine = MACHINES[type];

  it('lands where the oracle says at every step, and covers every state and edge', () => {
    const visitedStates = new Set<string>();
    const takenEdges = new Set<string>();
    let paths = 0;
    for (const input of inputsFor(type)) {
      const found = getSimplePaths(machine, {
        input,
        events: eventsFor(type) as never,
        serializeState: (s) => JSON.stringify(s.value),
      });
      for (const path of found) {
        paths++;
        // Replay on the real machine: the path's events, context accumulating.
        let [snap] = [start(input)];
        visitedStates.add(String(snap.value));
        const events = eventsFor(type);
        const check = (from: Snap, e: Labelled): Snap => {
          const [next] = transition(machine, from, e);
          const to = String(next.value);
          expect(to, e.label).toBe(e.to);
          if (e.failure) expect(next.context.failure?.type, e.label).toBe(e.failure);
          if (to === 'failed') expect(failureInfo(next.context.failure?.type ?? ''), e.label).toBeDefined();
          if (to === 'succeeded') expect(next.output).toMatchObject({ status: 'succeeded' });
          visitedStates.add(to);
          takenEdges.add(`${String(from.value)} -> ${to}`);
          return next;
        };
        for (const { event } of path.steps) {
          if ((event as { type: string }).type === 'xstate.init') continue;
          snap = check(snap, event as Labelled);
        }
        // One step further with every event: the edges that close a cycle are never inside a simple path.
        for (const e of events(snap)) check(snap, e);
        expect(snap.value).toEqual(path.state.value);
      }
      takenEdges.add(`start -> ${String(start(input).value)}`);
    }
    expect(paths).toBeGreaterThan(20);
    const allStates = Object.keys(machine.root.states).filter((s) => s !== 'start');
    expect([...allStates].filter((s) => !visitedStates.has(s))).toEqual([]);
    const allEdges = new Set(edgesOf(machine).map((e) => `${e.source} -> ${e.target}`));
    expect([...allEdges].filter((e) => !takenEdges.has(e))).toEqual([]);
    // The transfer machine's walk is long (thousands of paths), and this machine's speed drifts by 2x.
  }, 120_000);
});

it('the walk starts where the input says', () => {
  expect(start(baseInput('register')).value).toBe('checkDomain');
  expect(start(baseInput('register', { checked: true })).value).toBe('addDomain');
  expect(start(baseInput('renew')).value).toBe('readExpiration');
  expect(start(baseInput('renew', { expiration: OLD })).value).toBe('renewDomain');
  expect(start(baseInput('renew', { expiration: 'unknown' })).value).toBe('readExpiration');
  expect(start(baseInput('transfer')).value).toBe('checkTransfer');
  expect(start(baseInput('delete')).value).toBe('deleteDomain');
  expect(T0).toBeLessThan(EARLY);
});
