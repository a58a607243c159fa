// Every machine x every step x every seed code (and the uncertain outcome):
// the transition follows the rule of the code's class, or one of the
// documented exceptions listed here.
import { describe, expect, it } from 'vitest';
import { ACCOUNT_LEVEL_CODES, CODES } from '../../src/codes.ts';
import { replyOf, uncertainReply } from '../../machines/drive.ts';
import { failureInfo, type OperationType } from '../../machines/index.ts';
import { failureOf, inputAt, nextAction, POLICY, RECONCILE, reply, resume, start, STATE_CHANGING, STEPS, successProps, TYPES } from './machines-fixtures.ts';

type Expect = { failed: string; code?: number; step?: string } | { command: string; step: string } | { succeeded: true };

/** 2xx codes a step treats as a refusal. */
const SUCCESS_REFUSALS: Record<string, Record<number, string>> = {
  checkDomain: { 211: 'domain_not_available' },
  checkTransfer: { 219: 'transfer_not_available' },
};

/** Steps whose 2xx (other than "approved already") ends the operation cancelled: a redrive starts over. */
const SUCCESS_CANCELS: ReadonlySet<string> = new Set(['cancelTransfer']);

/** 5xx codes a step branches on instead of failing with the code's own type. */
const PERMANENT_BRANCHES: Record<string, Record<number, Expect>> = {
  addDomain: { 554: { command: 'StatusDomain', step: 'statusAfterTaken' } },
  reconcileAdd: { 545: { command: 'AddDomain', step: 'addDomain' } },
  recheckAdd: { 545: { command: 'CheckDomain', step: 'checkDomain' } },
  statusAfterTaken: { 545: { failed: 'domain_already_registered', code: 554 } },
  pollRegistration: { 545: { failed: 'registration_rejected' } },
  renewDomain: { 555: { command: 'StatusDomain', step: 'statusAfterRenewed' } },
  transferDomain: { 530: { failed: 'transfer_auth_invalid' }, 531: { failed: 'transfer_auth_invalid' } },
  reconcileTransfer: { 545: { command: 'TransferDomain', step: 'transferDomain' } },
  pollTransfer: { 545: { command: 'StatusDomain', step: 'statusAfterNoTransfer' } },
  statusAfterNoTransfer: { 545: { failed: 'transfer_rejected' } },
  cancelTransfer: { 534: { command: 'StatusDomainTransfer', step: 'statusAfterCancel' }, 545: { command: 'StatusDomainTransfer', step: 'statusAfterCancel' } },
  statusAfterCancel: { 545: { command: 'StatusDomain', step: 'domainAfterCancel' } },
  domainAfterCancel: { 545: { failed: 'cancelled', code: 0, step: 'checkTransfer' } },
  reconcileDelete: { 545: { succeeded: true } },
};

/** Where a step's other 5xx (not account-level ones) lead instead of failing: a refused cancel goes back to polling the transfer. */
const PERMANENT_DEFAULT: Record<string, Expect> = {
  cancelTransfer: { command: 'StatusDomainTransfer', step: 'pollTransfer' },
};

/** 5xx codes the policy retries: the command was not executed. */
const RETRYABLE = new Set(POLICY.retryableCodes);

const cases = TYPES.flatMap((type) => Object.entries(STEPS[type]).map(([step, command]) => ({ type, step, command })));

function atStep(type: OperationType, step: string, command: string) {
  const snap = start(inputAt(type, step));
  const action = nextAction(snap);
  expect(action).toMatchObject({ kind: 'command', step, command });
  return snap;
}

describe.each(cases)('$type / $step ($command)', ({ type, step, command }) => {
  it.each(CODES.map((c) => [c.code, c.class, c.type, c.description] as const))('%i (%s %s)', (code, cls, codeType, description) => {
    const before = atStep(type, step, command);
    const after = reply(before, replyOf(code, successProps(step)));
    const action = nextAction(after);
    const failure = failureOf(action);
    if (failure) expect(failureInfo(failure.type), `${failure.type} is in the catalogue`).toBeDefined();

    if (cls === 'success') {
      if (SUCCESS_CANCELS.has(step)) {
        expect(failure).toMatchObject({ type: 'cancelled', code: 0, step: 'checkTransfer' });
        return;
      }
      const refusal = SUCCESS_REFUSALS[step]?.[code];
      if (refusal) {
        expect(failure).toMatchObject({ type: refusal, code, step });
        return;
      }
      expect(failure, `2xx must not fail: ${JSON.stringify(failure)}`).toBeUndefined();
      // A 2xx never makes a step send its own command again.
      if (action.kind === 'command') expect(action.step).not.toBe(step);
      if (action.kind === 'wait') expect(action.delayMs).toBeGreaterThan(0);
      return;
    }

    if (cls === 'temporary' || RETRYABLE.has(code)) {
      expect(action.kind).toBe('wait');
      if (action.kind !== 'wait') return;
      expect(action.delayMs).toBeGreaterThan(0);
      expect(action.code).toBe(code);
      expect(action.reason).toBe(code === 422 ? 'abuse_lock' : 'temporary');
      if (code === 422) expect(action.delayMs).toBe(POLICY.lockPauseMs);
      // The registrar said the command failed before any effect: the same step again.
      expect(nextAction(resume(after))).toMatchObject({ kind: 'command', step, command });
      return;
    }

    const branch = PERMANENT_BRANCHES[step]?.[code] ?? (ACCOUNT_LEVEL_CODES.has(code) ? undefined : PERMANENT_DEFAULT[step]);
    if (branch && 'failed' in branch) {
      expect(failure).toMatchObject({ type: branch.failed, code: branch.code ?? code, step: branch.step ?? step });
    } else if (branch && 'command' in branch) {
      expect(action).toMatchObject({ kind: 'command', command: branch.command, step: branch.step });
    } else if (branch) {
      expect(action).toMatchObject({ kind: 'final', output: { status: 'succeeded' } });
    } else {
      expect(failure).toEqual({ type: codeType, code, description, step, scope: ACCOUNT_LEVEL_CODES.has(code) ? 'account' : 'operation' });
    }
  });

  it('uncertain outcome: wait, then reconcile (state-changing) or the same step', () => {
    for (const u of [uncertainReply(421, 'timeout'), uncertainReply(423, 'empty_body')]) {
      const after = reply(atStep(type, step, command), u);
      const action = nextAction(after);
      expect(action).toMatchObject({ kind: 'wait', reason: 'uncertain', code: u.code });
      if (action.kind === 'wait') expect(action.delayMs).toBeGreaterThan(0);
      const next = nextAction(resume(after));
      if (STATE_CHANGING.has(command)) {
        expect(next).toMatchObject({ kind: 'command', step: RECONCILE[step] });
        expect(next.kind === 'command' && next.command).not.toBe(command);
      } else {
        expect(next).toMatchObject({ kind: 'command', step, command });
      }
    }
  });
});

describe('account-level codes', () => {
  it('fail with scope account except 530/531 on TransferDomain', () => {
    for (const code of ACCOUNT_LEVEL_CODES) {
      const renew = failureOf(nextAction(reply(start(inputAt('renew', 'renewDomain')), replyOf(code))));
      expect(renew).toMatchObject({ code, scope: 'account' });
      const transfer = failureOf(nextAction(reply(start(inputAt('transfer', 'transferDomain')), replyOf(code))));
      expect(transfer).toMatchObject(code === 530 || code === 531 ? { type: 'transfer_auth_invalid', scope: 'operation' } : { scope: 'account' });
    }
  });
});
