// What lets an operation's first run send its first effect without a checkpoint:
// the machines that can start at that effect from their input alone (a later
// run that finds the first one lost resumes there, the outcome unknown), when
// an operation's data says so, and the notices a run listens for meanwhile.
import { describe, expect, it } from 'vitest';
import { replyOf } from '../../machines/drive.ts';
import { nextAction, PLANS, type OperationInput } from '../../machines/index.ts';
import { NOTICE_TTL_MS, Notices } from '../../src/engine/notices.ts';
import type { OpData } from '../../src/engine/operation.ts';
import { asSubmitted, cancelNeedsRun, firstEffectInDoubt } from '../../src/engine/run-contract.ts';
import { baseInput, OLD } from './machines-fixtures.ts';

describe('the first effect a machine can resume at', () => {
  // [case, input, the first effect's step, its command, where a run resumes when an earlier one may have sent it unrecorded]
  const cases: [string, OperationInput, string | undefined, string | undefined, string | undefined][] = [
    // AddDomain needs the input only; a resumed run asks whether the domain is ours, then checks availability as at the start
    ['register', baseInput('register'), 'addDomain', 'AddDomain', 'recheckAdd'],
    ['register, checked by its batch', baseInput('register', { checked: true }), 'addDomain', 'AddDomain', 'recheckAdd'],
    // the first command itself, its outcome unknown
    ['delete', baseInput('delete'), 'deleteDomain', 'DeleteDomain', 'deleteDomain'],
    ['renew with its expiration given', baseInput('renew', { expiration: OLD }), 'renewDomain', 'RenewDomain', 'renewDomain'],
    // the renewal's guard year and its reconcile rest on the date read first
    ['renew without its expiration', baseInput('renew'), undefined, undefined, undefined],
    // the request rests on what the checks before it read
    ['transfer', baseInput('transfer'), undefined, undefined, undefined],
    // a redrive starts where it was sent
    ['register, redriven', baseInput('register', { redrive: { step: 'addDomain' } }), undefined, undefined, undefined],
  ];
  it.each(cases)('%s', (_, input, step, command, resumeAt) => {
    const plan = PLANS[input.type];
    expect(plan.firstEffectStep(input)).toBe(step);
    const resume = plan.firstEffectResume(input);
    if (step === undefined) {
      expect(resume).toBeUndefined();
      return;
    }
    expect(resume).toMatchObject({ step, command, unknown: resumeAt === step });
    expect(resume!.snapshot.value).toBe(resumeAt);
    const action = nextAction(resume!.snapshot);
    if (resume!.unknown) {
      // at the effect, its request made: the same request as a fresh run makes once there
      expect(action).toMatchObject({ kind: 'command', command, step, changesState: true });
      let at = plan.start(input);
      for (let i = 0; at.value !== step && i < 3; i++) at = plan.send(at, { type: 'REPLY', reply: replyOf(210), now: input.startedAt, random: 0 });
      expect(nextAction(at)).toEqual(action);
    } else {
      // a read that tells what happened
      expect(action).toMatchObject({ kind: 'command', changesState: false });
    }
  });

  it('register resumed: ours already ends reconciled; not ours goes on as from the start, so a taken name fails as it would have', () => {
    const plan = PLANS.register;
    const input = baseInput('register');
    const resumed = plan.firstEffectResume(input)!.snapshot;
    const reply = (code: number, properties: Record<string, string[]> = {}) => ({ type: 'REPLY' as const, reply: replyOf(code, properties), now: input.startedAt, random: 0 });
    expect(plan.send(resumed, reply(200, { STATUS: ['ACTIVE'], REGISTRATIONEXPIRATIONDATE: ['2027-01-01 00:00:00'] })).output).toMatchObject({ status: 'succeeded', result: { reconciled: true } });
    const notOurs = plan.send(resumed, reply(545));
    expect(nextAction(notOurs)).toMatchObject({ kind: 'command', command: 'CheckDomain' });
    expect(plan.send(notOurs, reply(211)).output).toMatchObject({ status: 'failed', failure: { type: 'domain_not_available' } });
    expect(nextAction(plan.send(notOurs, reply(210)))).toMatchObject({ kind: 'command', command: 'AddDomain' });
    // a cancel there is noted: it ends as the registrar says, and adds nothing more
    const cancelled = plan.send(resumed, { type: 'CANCEL', reason: 'test' });
    expect(cancelled.value).toBe('recheckAdd');
    expect(plan.send(cancelled, reply(545)).output).toMatchObject({ status: 'failed', failure: { type: 'cancelled' } });
  });
});

describe('an operation whose first effect may have gone unrecorded', () => {
  const submitted: OpData = { t: 'register', d: 'doubt.com', p: 1, o: 1 };
  it.each<[string, OpData, number, boolean]>([
    ['as submitted, no run started', submitted, 0, false],
    ['as submitted, a run started', submitted, 1, true],
    ['as submitted, several runs started', submitted, 3, true],
    // claims its domain as it runs: its runs never sent an effect unrecorded
    ['without the claim of its submission', { t: 'register', d: 'doubt.com' }, 1, false],
    ['with a checkpoint', { ...submitted, snap: { value: 'addDomain' } }, 1, false],
    ['with an in-flight marker', { ...submitted, fl: { step: 'addDomain', command: 'AddDomain', at: 1 } }, 1, false],
    ['redriven', { ...submitted, rd: { step: 'addDomain' } }, 1, false],
  ])('%s', (_, data, runs, inDoubt) => {
    expect(firstEffectInDoubt(data, runs)).toBe(inDoubt);
    // a cancel goes through a run then (the registrar may have acted), not at once
    expect(cancelNeedsRun(PLANS.register, data, runs)).toBe(inDoubt || data.fl !== undefined);
  });
  it('is as submitted only with its claim and nothing written since', () => {
    expect(asSubmitted(submitted)).toBe(true);
    expect(asSubmitted({ ...submitted, o: undefined })).toBe(false);
    expect(asSubmitted({ ...submitted, snap: {} })).toBe(false);
  });
});

describe('notices', () => {
  it('tells cancels and waiters apart, by operation, and forgets them after NOTICE_TTL_MS', () => {
    const n = new Notices();
    const t0 = 1_000_000;
    n.heard('cop_a', t0);
    n.heard('wop_b', t0);
    n.heard('xop_c', t0);
    expect(n.cancelled('op_a', t0 + 1)).toBe(true);
    expect(n.waitedFor('op_a', t0 + 1)).toBe(false);
    expect(n.waitedFor('op_b', t0 + 1)).toBe(true);
    expect(n.cancelled('op_b', t0 + 1)).toBe(false);
    // an unknown kind is nobody's notice
    expect(n.cancelled('op_c', t0 + 1) || n.waitedFor('op_c', t0 + 1)).toBe(false);
    expect(n.cancelled('op_a', t0 + NOTICE_TTL_MS)).toBe(false);
    // heard again: kept from then on
    n.heard('wop_b', t0 + NOTICE_TTL_MS - 1);
    expect(n.waitedFor('op_b', t0 + NOTICE_TTL_MS + 10)).toBe(true);
  });
  it('drops expired notices as new ones come, so that a long-lived process keeps few', () => {
    const n = new Notices();
    for (let i = 0; i < 1000; i++) n.heard(`cop_${i}`, i);
    n.heard('cop_new', 998 + NOTICE_TTL_MS);
    const kept = (n as unknown as { cancels: Map<string, number> }).cancels;
    expect([...kept.keys()]).toEqual(['op_999', 'op_new']);
  });
});
