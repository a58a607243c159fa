// Properties over arbitrary reply sequences (fast-check):
// - every machine ends (succeeded or failed) within a bounded number of actions,
//   and until then always asks for a command or a wait with a delay > 0;
// - no state-changing command is sent twice unless, in between, its reconcile
//   step ran or the registrar said the first one failed (4xx, 520/521).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, CODES } from '../../src/codes.ts';
import { drive, replyOf, uncertainReply, type CommandAction, type DriveResult } from '../../machines/drive.ts';
import { failureInfo, MACHINES, type OperationInput, type StepReply } from '../../machines/index.ts';
import { baseInput, NEW, OLD, POLICY, RECONCILE, STATE_CHANGING } from './machines-fixtures.ts';

const propsArb = fc.record({
  STATUS: fc.constantFrom([], ['ACTIVE'], ['REQUESTED'], ['PENDINGDELETE'], ['ACTIVE', 'clientTransferProhibited']),
  REGISTRATIONEXPIRATIONDATE: fc.constantFrom([], [OLD], [NEW], ['2031-01-01 00:00:00']),
  TRANSFERSTATUS: fc.constantFrom([], ['pending'], ['INITIATED'], ['clientApproved'], ['serverApproved'], ['clientRejected'], ['serverCancelled']),
});

const likely = [200, 210, 211, 218, 219, 220, 420, 421, 422, 423, 520, 521, 530, 545, 546, 552, 554, 555];
const replyArb: fc.Arbitrary<StepReply> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...likely), propsArb).map(([code, props]) => replyOf(code, props)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...CODES.map((c) => c.code)), propsArb).map(([code, props]) => replyOf(code, props)) },
  { weight: 2, arbitrary: fc.constantFrom(uncertainReply(421, 'timeout'), uncertainReply(423, 'empty_body')) },
);

const inputArb: fc.Arbitrary<OperationInput> = fc.oneof(
  fc.boolean().map((checked) => baseInput('register', { checked })),
  fc.boolean().map((known) => baseInput('renew', known ? { expiration: OLD } : {})),
  fc.boolean().map((hasAuth) => baseInput('transfer', { hasAuth })),
  fc.constant(baseInput('delete')),
);

interface Sent {
  readonly command: CommandAction;
  readonly reply: StepReply;
}

function run(input: OperationInput, respond: (i: number) => StepReply | undefined, randoms: readonly number[], maxActions: number, persist = false) {
  const sent: Sent[] = [];
  let k = 0;
  const result = drive(
    MACHINES[input.type],
    input,
    (command, i) => {
      const reply = respond(i);
      if (reply !== undefined) sent.push({ command, reply });
      return reply;
    },
    { random: () => randoms[k++ % randoms.length] ?? 0.5, commandMs: 300, maxActions, persist },
  );
  return { result, sent };
}

/** The registrar said the command was not executed: a 4xx reply or a retryable 5xx. */
function refused(reply: StepReply): boolean {
  if (reply.kind !== 'reply') return false;
  const c = classify(reply.code);
  return (c.ok && c.class === 'temporary') || POLICY.retryableCodes.includes(reply.code);
}

/** Returns a description of the first state-changing command sent twice without a reason. */
function unsafeResend(sent: readonly Sent[]): string | undefined {
  for (let i = 0; i < sent.length; i++) {
    const first = sent[i];
    if (!first || !STATE_CHANGING.has(first.command.command)) continue;
    const j = sent.findIndex((s, at) => at > i && s.command.command === first.command.command);
    if (j < 0) continue;
    const reconciled = sent.slice(i + 1, j).some((s) => s.command.step === RECONCILE[first.command.step]);
    if (!reconciled && !refused(first.reply)) return `${first.command.command} #${i} then #${j} after ${JSON.stringify(first.reply)}`;
  }
  return undefined;
}

function checkActions(result: DriveResult): void {
  for (const a of result.actions) {
    if (a.kind === 'wait') {
      expect(a.delayMs).toBeGreaterThan(0);
      expect(Number.isFinite(a.delayMs)).toBe(true);
    }
    if (a.kind === 'final' && a.output.status === 'failed') expect(failureInfo(a.output.failure.type)).toBeDefined();
  }
}

describe('machines under arbitrary replies', () => {
  it('a finite reply sequence: never stuck, no eventless loop, no unsafe resend', () => {
    fc.assert(
      fc.property(inputArb, fc.array(replyArb, { maxLength: 40 }), fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 5 }), fc.boolean(), (input, replies, randoms, persist) => {
        const { result, sent } = run(input, (i) => replies[i], randoms, 10_000, persist && replies.length < 15);
        checkActions(result);
        const last = result.actions.at(-1);
        // Each reply gives at most a wait and the next command: bounded by the replies.
        expect(result.actions.length).toBeLessThanOrEqual(2 * replies.length + 2);
        expect(last?.kind === 'final' || last?.kind === 'command').toBe(true);
        expect(unsafeResend(sent)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('replies repeating forever: every machine ends within a bounded number of actions', () => {
    fc.assert(
      fc.property(inputArb, fc.array(replyArb, { minLength: 1, maxLength: 12 }), fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 5 }), (input, replies, randoms) => {
        const { result, sent } = run(input, (i) => replies[i % replies.length], randoms, 20_000);
        checkActions(result);
        expect(result.output, `no end after ${result.actions.length} actions`).toBeDefined();
        expect(unsafeResend(sent)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});
