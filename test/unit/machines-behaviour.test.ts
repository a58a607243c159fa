// Happy paths (the commands each operation costs), redrive, persistence and cancel.
import { createActor, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { drive, replyOf, script, uncertainReply } from '../../machines/drive.ts';
import { MACHINES, MachineContractError, nextAction, type OperationInput, type StepReply } from '../../machines/index.ts';
import { baseInput, EARLY, NEW, OLD, POLICY, reply, resume, start, T0 } from './machines-fixtures.ts';

const active = (date = NEW) => replyOf(200, { STATUS: ['ACTIVE'], REGISTRATIONEXPIRATIONDATE: [date] });
const pending = replyOf(200, { TRANSFERSTATUS: ['pending'] });

function commands(input: OperationInput, replies: StepReply[], persist = false) {
  const r = drive(MACHINES[input.type], input, script(replies), { persist });
  return { ...r, names: r.commands.map((c) => c.command) };
}

describe('happy paths: the commands each operation costs', () => {
  it('register: CheckDomain + AddDomain; AddDomain alone after a batch check', () => {
    const r = commands(baseInput('register'), [replyOf(210), active()]);
    expect(r.names).toEqual(['CheckDomain', 'AddDomain']);
    expect(r.output).toEqual({ status: 'succeeded', result: { expirationDate: NEW } });
    expect(r.commands[1]).toMatchObject({
      changesState: true,
      params: {
        DOMAIN: 'example.com',
        PERIOD: 1,
        OWNERCONTACT0: 'P-OWN1',
        ADMINCONTACT0: 'P-ADM1',
        TECHCONTACT0: 'P-TEC1',
        BILLINGCONTACT0: 'P-BIL1',
        NAMESERVER0: 'ns1.example.net',
        NAMESERVER1: 'ns2.example.net',
      },
    });
    expect(commands(baseInput('register', { checked: true }), [active()]).names).toEqual(['AddDomain']);
  });

  it('renew: StatusDomain + RenewDomain with the expiration guard; RenewDomain alone when the expiration is known', () => {
    const r = commands(baseInput('renew', { period: 2 }), [active(OLD), replyOf(200, { REGISTRATIONEXPIRATIONDATE: ['2028-05-01 10:00:00'] })]);
    expect(r.names).toEqual(['StatusDomain', 'RenewDomain']);
    expect(r.commands[1]?.params).toEqual({ DOMAIN: 'example.com', PERIOD: 2, EXPIRATION: 2026 });
    expect(r.output).toEqual({ status: 'succeeded', result: { expirationDate: '2028-05-01 10:00:00' } });
    const known = commands(baseInput('renew', { expiration: '2026' }), [replyOf(200)]);
    expect(known.names).toEqual(['RenewDomain']);
    expect(known.output).toEqual({ status: 'succeeded', result: { expirationDate: '2027' } });
  });

  it('delete: DeleteDomain only', () => {
    const r = commands(baseInput('delete'), [replyOf(200, { STATUS: ['PENDINGDELETE'] })]);
    expect(r.names).toEqual(['DeleteDomain']);
    expect(r.commands[0]?.params).toEqual({ DOMAIN: 'example.com', ACTION: 'INSTANT' });
    expect(r.output).toEqual({ status: 'succeeded', result: { status: ['PENDINGDELETE'] } });
  });

  it('transfer: CheckDomainTransfer + TransferDomain (auth by name), then polls with growing delays', () => {
    const r = commands(baseInput('transfer', { period: 1 }), [replyOf(218), pending, pending, pending, replyOf(200, { TRANSFERSTATUS: ['clientApproved'] })]);
    expect(r.names).toEqual(['CheckDomainTransfer', 'TransferDomain', 'StatusDomainTransfer', 'StatusDomainTransfer', 'StatusDomainTransfer']);
    expect(r.commands[1]).toMatchObject({ params: { DOMAIN: 'example.com', ACTION: 'REQUEST', PERIOD: 1 }, secrets: { AUTH: 'auth' }, changesState: true });
    expect(JSON.stringify(r.commands[1]?.params)).not.toContain('AUTH');
    expect(r.waits.map((w) => [w.reason, w.delayMs])).toEqual([
      ['poll', POLICY.poll.baseMs],
      ['poll', 2 * POLICY.poll.baseMs],
      ['poll', 4 * POLICY.poll.baseMs],
    ]);
    expect(r.output).toEqual({ status: 'succeeded', result: { transferStatus: 'clientApproved' } });
    expect(commands(baseInput('transfer', { hasAuth: false }), [replyOf(218), pending]).commands[1]?.secrets).toBeUndefined();
  });

  it('a pending registration is polled with StatusDomain until active', () => {
    const r = commands(baseInput('register', { checked: true }), [replyOf(200, { STATUS: ['REQUESTED'] }), replyOf(200, { STATUS: ['REQUESTED'] }), active()]);
    expect(r.names).toEqual(['AddDomain', 'StatusDomain', 'StatusDomain']);
    expect(r.waits.map((w) => w.reason)).toEqual(['pending', 'pending']);
    expect(r.output).toEqual({ status: 'succeeded', result: { expirationDate: NEW } });
  });

  it('a lost AddDomain reply: wait, StatusDomain, and no second AddDomain when it happened', () => {
    const r = commands(baseInput('register', { checked: true }), [uncertainReply(), active()]);
    expect(r.names).toEqual(['AddDomain', 'StatusDomain']);
    expect(r.waits[0]).toMatchObject({ reason: 'uncertain', code: 421 });
    expect(r.output).toEqual({ status: 'succeeded', result: { expirationDate: NEW, reconciled: true } });
  });

  it('554 then StatusDomain 545: someone else holds it', () => {
    const r = commands(baseInput('register', { checked: true }), [replyOf(554), replyOf(545)]);
    expect(r.output).toMatchObject({ status: 'failed', failure: { type: 'domain_already_registered', code: 554, step: 'statusAfterTaken' } });
  });
});

describe("the domain's last transfer, when it is an earlier one", () => {
  // The request goes out at T0 (2026-01-01 00:00 UTC); a transfer requested more than 10 minutes before it is an earlier one.
  const shown = (status: string, requested?: string) => replyOf(200, { TRANSFERSTATUS: [status], ...(requested ? { REQUESTDATE: [requested] } : {}) });
  const requested = [replyOf(218), uncertainReply()];
  const approvedNow = shown('serverApproved', '2026-01-01 00:00:02');
  const cancel = (snap: ReturnType<typeof start>) => transition(MACHINES.transfer, snap, { type: 'CANCEL', reason: 'by a user' })[0];

  it.each([
    ['a month before', shown('clientRejected', '2025-12-01 10:00:00')],
    ['an hour before (a rejected attempt, then a new submission)', shown('clientCancelled', '2025-12-31 23:00:00')],
    ['on a day that ended before it', shown('serverCancelled', '2025-12-30')],
    ['long ago, and approved (the domain left the account since)', shown('clientApproved', '2025-06-01 08:00:00')],
  ])('a request with no reply, and an ended transfer requested %s: the request is sent again', (_name, last) => {
    const r = commands(baseInput('transfer'), [...requested, last, pending, approvedNow]);
    expect(r.names).toEqual(['CheckDomainTransfer', 'TransferDomain', 'StatusDomainTransfer', 'TransferDomain', 'StatusDomainTransfer']);
    expect(r.output).toMatchObject({ status: 'succeeded' });
  });

  it.each([
    ['requested since', shown('clientRejected', '2026-01-01 00:00:01')],
    ['requested minutes before (clocks differ)', shown('clientRejected', '2025-12-31 23:55:00')],
    ['dated by its day alone, the same day', shown('clientRejected', '2026-01-01')],
    ['dated by its day alone, the day before (it may have been late that day)', shown('clientRejected', '2025-12-31')],
    ['undated', shown('clientCancelled')],
    ['dated in a form not read', shown('serverCancelled', '01.12.2025')],
    ['dated on a day no calendar has', shown('serverCancelled', '2025-02-30 10:00:00')],
  ])('one %s is taken as this request\'s: transfer_rejected', (_name, last) => {
    const r = commands(baseInput('transfer'), [...requested, last]);
    expect(r.names).toEqual(['CheckDomainTransfer', 'TransferDomain', 'StatusDomainTransfer']);
    expect(r.output).toMatchObject({ status: 'failed', failure: { type: 'transfer_rejected', step: 'reconcileTransfer' } });
  });

  it('the first request\'s time is kept through a resend and a redrive: its own transfer is never an earlier one', () => {
    const failedReconcile = commands(baseInput('transfer'), [...requested, replyOf(545), uncertainReply(), ...Array.from({ length: 40 }, () => replyOf(421))]);
    expect(failedReconcile.output).toMatchObject({ status: 'failed', redrive: { step: 'reconcileTransfer', carried: { requestedAt: T0 } } });
    // redriven three days on: the registrar shows the transfer that request made, approved
    const redriven = baseInput('transfer', { startedAt: T0 + 3 * 86_400_000, redrive: { step: 'reconcileTransfer', carried: { requestedAt: T0 } } });
    const r = commands(redriven, [shown('clientApproved', '2026-01-01 00:00:05')]);
    expect(r.names).toEqual(['StatusDomainTransfer']);
    expect(r.output).toMatchObject({ status: 'succeeded' });
    // without the time (a snapshot of an older build), the transfer shown is this request's, as before
    expect(commands(baseInput('transfer', { redrive: { step: 'reconcileTransfer', carried: {} } }), [shown('clientRejected', '2025-12-01 10:00:00')]).output).toMatchObject({
      status: 'failed',
      failure: { type: 'transfer_rejected' },
    });
  });

  it('requests refused outright never reached the registrar: the time counts from the first that may have', () => {
    // refused (421 is a transport failure; 4xx here: 420) until its tries ran out, no request reached the registrar
    const refused = commands(baseInput('transfer'), [replyOf(218), ...Array.from({ length: 40 }, () => replyOf(420))]);
    expect(refused.output).toMatchObject({ status: 'failed', failure: { step: 'transferDomain', type: 'retries_exhausted' } });
    const carried = refused.output?.status === 'failed' ? refused.output.redrive.carried : undefined;
    expect(carried).toBeDefined();
    expect(carried).not.toHaveProperty('requestedAt');
    // redriven a day on: someone else's transfer, requested and rejected meanwhile, is an earlier one
    const later = T0 + 86_400_000;
    const redriven = baseInput('transfer', { startedAt: later, redrive: { step: 'transferDomain', carried } });
    const r = commands(redriven, [uncertainReply(), shown('clientRejected', '2026-01-01 01:00:00'), pending, approvedNow]);
    expect(r.names).toEqual(['TransferDomain', 'StatusDomainTransfer', 'TransferDomain', 'StatusDomainTransfer']);
    expect(r.output).toMatchObject({ status: 'succeeded' });
  });

  it('a worker that died with the request in flight: the time is the request\'s, not the takeover\'s', () => {
    const sending = reply(start(baseInput('transfer')), replyOf(218), T0 + 5_000);
    expect(sending.context.carried).toEqual({ sentAt: T0 + 5_000 });
    // the run that takes over an hour later tells the machine the outcome is unknown (see Run.inFlightLost)
    const lost = reply(sending, uncertainReply(), T0 + 3_600_000);
    expect(lost.context.carried).toEqual({ sentAt: T0 + 5_000, requestedAt: T0 + 5_000 });
  });

  it('a redrive that starts over (a cancelled operation) sends a new request, and its old transfer is an earlier one', () => {
    const later = T0 + 3 * 86_400_000;
    const redriven = baseInput('transfer', { startedAt: later, redrive: { step: 'checkTransfer', carried: { requestedAt: T0 } } });
    const r = commands(redriven, [replyOf(218), uncertainReply(), shown('clientCancelled', '2026-01-01 00:01:00'), pending, approvedNow]);
    expect(r.names).toEqual(['CheckDomainTransfer', 'TransferDomain', 'StatusDomainTransfer', 'TransferDomain', 'StatusDomainTransfer']);
    expect(r.output).toMatchObject({ status: 'succeeded' });
  });

  it('a cancel while the request\'s outcome is unknown, nothing pending, and an earlier transfer shown: the domain decides, not that transfer', () => {
    const unknown = reply(reply(start(baseInput('transfer')), replyOf(218)), uncertainReply());
    expect(unknown.value).toBe('transferDomainUnknown');
    const cancelling = reply(cancel(unknown), replyOf(545));
    expect(nextAction(cancelling)).toMatchObject({ step: 'statusAfterCancel' });
    const asked = reply(cancelling, shown('clientApproved', '2025-06-01 08:00:00'));
    expect(nextAction(asked)).toMatchObject({ kind: 'command', step: 'domainAfterCancel', command: 'StatusDomain' });
    expect(nextAction(reply(asked, replyOf(545)))).toMatchObject({ kind: 'final', output: { status: 'failed', failure: { type: 'cancelled' } } });
    // this operation's own, approved meanwhile: it succeeded
    expect(nextAction(reply(cancelling, shown('clientApproved', '2026-01-01 00:00:03')))).toMatchObject({ kind: 'final', output: { status: 'succeeded' } });
  });
});

describe('redrive', () => {
  const exhaust = Array.from({ length: POLICY.maxAttempts }, () => replyOf(421));

  it('restarts at the failed step with the carried data, attempts reset and a fresh deadline', () => {
    const failed = commands(baseInput('renew'), [active(OLD), ...exhaust]);
    expect(failed.output).toMatchObject({
      status: 'failed',
      failure: { type: 'retries_exhausted', code: 421, step: 'renewDomain' },
      redrive: { step: 'renewDomain', carried: { expiration: OLD } },
    });
    if (failed.output?.status !== 'failed') return;
    const later = T0 + 7 * 24 * 3600_000;
    const input = baseInput('renew', { startedAt: later, redrive: failed.output.redrive });
    const snap = start(input);
    expect(snap.context.attempts).toEqual({});
    expect(snap.context.deadlineAt).toBe(later + POLICY.deadlineMs);
    expect(nextAction(snap)).toMatchObject({ kind: 'command', command: 'RenewDomain', params: { EXPIRATION: 2026 } });
    const again = drive(MACHINES.renew, input, script([replyOf(200, { REGISTRATIONEXPIRATIONDATE: [NEW] })]));
    expect(again.output).toEqual({ status: 'succeeded', result: { expirationDate: NEW } });
  });

  it('a step that needs data the redrive lacks starts where the data is read', () => {
    expect(start(baseInput('renew', { redrive: { step: 'renewDomain' } })).value).toBe('readExpiration');
  });

  it('an unknown step fails with invalid_redrive', () => {
    const snap = start(baseInput('delete', { redrive: { step: 'nope' } }));
    expect(nextAction(snap)).toMatchObject({ kind: 'final', output: { status: 'failed', failure: { type: 'invalid_redrive', code: 0 } } });
  });

  it('after an exhausted reconcile it starts with the reconcile, never with the command', () => {
    const failed = commands(baseInput('delete'), [uncertainReply(), ...exhaust]);
    expect(failed.output).toMatchObject({ status: 'failed', failure: { type: 'retries_exhausted', step: 'reconcileDelete' } });
  });
});

describe('persistence and cancel', () => {
  it('a snapshot restored from JSON at every action gives the same run', () => {
    const replies = [replyOf(210), uncertainReply(), replyOf(200, { STATUS: ['REQUESTED'] }), replyOf(421), active()];
    const plain = commands(baseInput('register'), replies);
    const restored = commands(baseInput('register'), replies, true);
    expect(restored.actions).toEqual(plain.actions);
    expect(restored.output).toEqual({ status: 'succeeded', result: { expirationDate: NEW } });
  });

  it('the persisted snapshot is small JSON without functions or secrets', () => {
    const actor = createActor(MACHINES.transfer, { input: baseInput('transfer') }).start();
    const json = JSON.stringify(actor.getPersistedSnapshot());
    expect(json.length).toBeLessThan(4096);
    expect(JSON.parse(json)).toMatchObject({ value: 'checkTransfer', context: { request: { command: 'CheckDomainTransfer' } } });
  });

  it('CANCEL while waiting ends the operation as cancelled', () => {
    const waiting = reply(start(baseInput('delete')), replyOf(421));
    expect(nextAction(waiting).kind).toBe('wait');
    const actor = createActor(MACHINES.delete, { snapshot: waiting as never, input: undefined as never }).start();
    actor.send({ type: 'CANCEL', reason: 'by a user' });
    expect(nextAction(actor.getSnapshot())).toMatchObject({
      kind: 'final',
      output: { status: 'failed', failure: { type: 'cancelled', code: 0, step: 'deleteDomain', description: 'cancelled: by a user' } },
    });
  });

  const cancel = (snap: ReturnType<typeof start>) => transition(MACHINES[snap.context.type], snap, { type: 'CANCEL', reason: 'by a user' })[0];

  // Each state-changing command with no reply, then a cancel: the reconcile step's answer when it happened, and when it did not.
  const inDoubt = [
    { type: 'register', input: baseInput('register', { checked: true }), happened: active(), notHappened: replyOf(545), step: 'addDomain' },
    { type: 'renew', input: baseInput('renew', { expiration: OLD }), happened: active(NEW), notHappened: active(OLD), step: 'renewDomain' },
    { type: 'delete', input: baseInput('delete'), happened: replyOf(545), notHappened: active(), step: 'deleteDomain' },
  ] as const;

  it.each(inDoubt)('$type: a cancel while the outcome is unknown is noted; it ends as the registrar says, and never sends the command again', ({ input, happened, notHappened, step }) => {
    const unknown = reply(start(input), uncertainReply());
    expect(nextAction(unknown)).toMatchObject({ kind: 'wait', reason: 'uncertain' });
    const noted = cancel(unknown);
    expect(noted.value).toBe(unknown.value);
    expect(noted.context.cancelRequested).toBe(true);
    expect(cancel(noted).context).toEqual(noted.context);
    const reconcile = resume(noted);
    expect(nextAction(reconcile)).toMatchObject({ kind: 'command', command: 'StatusDomain' });
    // it happened: the operation succeeded, cancel or not
    expect(nextAction(reply(reconcile, happened))).toMatchObject({ kind: 'final', output: { status: 'succeeded' } });
    // it did not: cancelled, where without the cancel the command would go again
    expect(nextAction(reply(resume(unknown), notHappened))).toMatchObject({ kind: 'command', step });
    expect(nextAction(reply(reconcile, notHappened))).toEqual({
      kind: 'final',
      output: {
        status: 'failed',
        failure: { type: 'cancelled', code: 0, step, scope: 'operation', description: `cancelled: by a user, before the registrar carried out ${step}` },
        redrive: expect.objectContaining({ step }) as unknown,
      },
    });
  });

  it('register: a cancel while the registration is pending at the registry is noted; the registration ends as the registry decides', () => {
    const waiting = reply(start(baseInput('register', { checked: true })), replyOf(200, { STATUS: ['REQUESTED'] }));
    expect(waiting.value).toBe('registrationPending');
    const noted = cancel(waiting);
    expect(noted.value).toBe('registrationPending');
    expect(nextAction(reply(resume(noted), active()))).toMatchObject({ kind: 'final', output: { status: 'succeeded' } });
  });

  it('transfer: a cancel once the request may be at the registrar sends TransferDomain ACTION=CANCEL', () => {
    const polling = reply(start(baseInput('transfer', { redrive: { step: 'transferDomain', carried: {} } })), pending);
    expect(polling.value).toBe('transferPending');
    expect(nextAction(cancel(polling))).toMatchObject({ kind: 'command', step: 'cancelTransfer', command: 'TransferDomain', params: { DOMAIN: 'example.com', ACTION: 'CANCEL' }, changesState: true });
    // 530/531 are a wrong auth code to the request alone (the engine keeps the account going); to the cancel, the account's
    expect(nextAction(start(baseInput('transfer', { redrive: { step: 'transferDomain', carried: {} } })))).toMatchObject({ params: { ACTION: 'REQUEST' }, operationCodes: [530, 531] });
    expect(nextAction(cancel(polling))).not.toHaveProperty('operationCodes');
    const done = reply(cancel(polling), replyOf(200, { TRANSFERSTATUS: ['clientCancelled'] }));
    expect(nextAction(done)).toMatchObject({ kind: 'final', output: { status: 'failed', failure: { type: 'cancelled', step: 'checkTransfer' } } });
    // before the request was sent, a cancel ends it at once
    expect(nextAction(cancel(start(baseInput('transfer'))))).toMatchObject({ kind: 'final', output: { status: 'failed', failure: { type: 'cancelled' } } });
  });

  it('nextAction refuses a snapshot that asks for nothing', () => {
    const snap = start(baseInput('delete'));
    expect(() => nextAction({ ...snap, status: 'active', context: { ...snap.context, request: null }, hasTag: () => true })).toThrow(MachineContractError);
    expect(() => nextAction({ status: 'error', context: snap.context })).toThrow(MachineContractError);
    expect(EARLY).toBeGreaterThan(T0);
  });
});
