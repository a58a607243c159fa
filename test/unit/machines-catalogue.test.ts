// The failure catalogue covers every failure a machine can produce; the
// diagrams are generated from the machines; toStepReply keeps secrets out.
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CODES } from '../../src/codes.ts';
import { replyOutcome, uncertainOutcome } from '../../src/registrar/outcome.ts';
import { registerMachinesCommand } from '../../src/cli/commands/machines.ts';
import { replyOf, uncertainReply } from '../../machines/drive.ts';
import { FAILURES, MACHINES, nextAction, stepsOf, toStepReply, type StepReply } from '../../machines/index.ts';
import { edgesOf, toMermaid } from '../../machines/mermaid.ts';
import { baseInput, EARLY, failureOf, inputAt, LATE, NEW, OLD, reply, start, STEPS, TYPES } from './machines-fixtures.ts';

const PROPS: Record<string, string[]>[] = [
  {},
  { STATUS: ['ACTIVE'], REGISTRATIONEXPIRATIONDATE: [NEW] },
  { STATUS: ['REQUESTED'] },
  { REGISTRATIONEXPIRATIONDATE: [OLD] },
  { REGISTRATIONEXPIRATIONDATE: ['2031-01-01'] },
  { TRANSFERSTATUS: ['clientRejected'] },
  { TRANSFERSTATUS: ['pending'] },
];

/** Every failure type reachable in one reply from any step (all codes, unknown ones, uncertain, late), plus cancel. */
function producedTypes(): Set<string> {
  const types = new Set<string>();
  const replies: StepReply[] = [
    // Properties only matter to a 2xx.
    ...[...CODES.map((c) => c.code), 299, 499, 599].flatMap((code) => (code < 300 ? PROPS : [{}]).map((p) => replyOf(code, p))),
    uncertainReply(421),
    uncertainReply(423),
  ];
  for (const type of TYPES) {
    for (const step of Object.keys(STEPS[type])) {
      for (const r of replies) {
        for (const now of [EARLY, LATE]) {
          const f = failureOf(nextAction(reply(start(inputAt(type, step)), r, now)));
          if (f) types.add(f.type);
        }
      }
    }
    const bad = failureOf(nextAction(start(baseInput(type, { redrive: { step: 'nope' } }))));
    if (bad) types.add(bad.type);
  }
  types.add('cancelled');
  return types;
}

describe('failure catalogue', () => {
  it('lists every failure type the machines produce, each with a sentence', () => {
    const listed = new Set(FAILURES.map((f) => f.type));
    const produced = producedTypes();
    expect([...produced].filter((t) => !listed.has(t))).toEqual([]);
    // And nothing in it is dead, except the codes the default policy retries and what the queue records itself.
    expect([...listed].filter((t) => !produced.has(t))).toEqual(['server_closing_connection', 'too_many_sessions', 'engine_error']);
    for (const f of FAILURES) expect(f.text.length).toBeGreaterThan(30);
    expect(new Set(FAILURES.map((f) => f.type)).size).toBe(FAILURES.length);
  });

  it('has the type of every permanent code', () => {
    const listed = new Set(FAILURES.map((f) => f.type));
    for (const c of CODES.filter((c) => c.class === 'permanent')) expect(listed.has(c.type), c.type).toBe(true);
  });
});

describe('diagrams', () => {
  it('each Mermaid diagram has every state and every edge of its machine', () => {
    for (const type of TYPES) {
      const machine = MACHINES[type];
      const text = toMermaid(machine);
      expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
      for (const state of Object.keys(machine.root.states)) expect(text).toContain(state);
      for (const e of edgesOf(machine)) {
        // Not drawn: each redrive entry (one note says it), and a CANCEL noted in place (the note on failed says it).
        if (e.source === 'start' && e.label === 'redrive') continue;
        if (e.event === 'CANCEL' && e.source === e.target) expect(text).not.toContain(`  ${e.source} --> ${e.target} : `);
        else expect(text).toContain(`  ${e.source} --> ${e.target} : `);
      }
      const cancelling = edgesOf(machine).some((e) => e.event === 'CANCEL');
      expect(cancelling).toBe(true);
      expect(text).toContain('CANCEL from any other state (cancelled), noted where the registrar may have acted');
      expect(stepsOf(type).sort()).toEqual(Object.keys(STEPS[type]).sort());
    }
  });

  describe('the machines command', () => {
    afterEach(() => vi.restoreAllMocks());
    it('prints one raw diagram with --type, and a summary without --mermaid', async () => {
      const out: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      });
      const program = new Command().exitOverride();
      registerMachinesCommand(program);
      await program.parseAsync(['node', 'domainflow', 'machines', '--mermaid', '--type', 'delete']);
      expect(out.join('')).toBe(`${toMermaid(MACHINES.delete)}\n`);
      out.length = 0;
      await program.parseAsync(['node', 'domainflow', 'machines']);
      expect(out.join('')).toContain('AddDomain (changes state; reconciled by reconcileAdd)');
    });
  });
});

describe('toStepReply', () => {
  it('keeps code, description and properties, drops secret properties', () => {
    const outcome = replyOutcome({ code: 200, description: 'Command completed successfully', properties: { STATUS: ['ACTIVE'], AUTH: ['s3cret'] } }, 12);
    const r = toStepReply(outcome);
    expect(r).toEqual({ kind: 'reply', code: 200, description: 'Command completed successfully', properties: { STATUS: ['ACTIVE'] } });
    expect(JSON.stringify(r)).not.toContain('s3cret');
  });

  it('maps an uncertain outcome to kind uncertain with its 421/423 code', () => {
    expect(toStepReply(uncertainOutcome('timeout', 'no reply in 30 s', 30_000))).toEqual({
      kind: 'uncertain',
      code: 421,
      reason: 'timeout',
      description: 'Outcome unknown: timeout',
    });
    expect(toStepReply(uncertainOutcome('empty_body', '', 5)).code).toBe(423);
  });
});
