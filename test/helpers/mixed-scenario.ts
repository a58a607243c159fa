// 200 mixed operations (or `scale` times as many) with the outcome each must
// reach and the effects the simulated registrar must show exactly once: new and
// taken names, renewals (some with a period that is too long), transfers with
// right and wrong auth codes, deletions. No test runner in here: the soak run
// (test/soak/soak.ts) plans and checks with it too.
import type { OperationView } from '../../src/engine/operation.ts';
import type { SubmitSpec } from '../../src/engine/store.ts';
import type { RegistrarClient } from '../../src/registrar/client.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import type { SimProcess } from './sim-process.ts';

type Effect = 'registered' | 'renewed' | 'transferred' | 'deleted';

export interface PlannedOp {
  readonly spec: SubmitSpec;
  readonly status: 'succeeded' | 'failed';
  readonly failureType?: string;
  /** the effect the operation must cause exactly once (none for a failure) */
  readonly effect?: Effect;
}

export interface Scenario {
  readonly ops: readonly PlannedOp[];
  /** names other accounts hold: pass as --taken to the sim */
  readonly taken: readonly string[];
  /** names registered in our account before the run (renewals, deletions) */
  readonly existing: readonly string[];
}

/**
 * The mix, `scale` times over; with `chains`, that many names more, each registered, renewed and
 * deleted by three operations submitted one after another (they must run in that order).
 */
export function mixedScenario(tag: string, scale = 1, chains = 0): Scenario {
  const ops: PlannedOp[] = [];
  const taken: string[] = [];
  const existing: string[] = [];
  const n = (kind: string, i: number) => `${tag}-${kind}-${i}.com`;
  for (let i = 0; i < 70 * scale; i++) ops.push({ spec: { type: 'register', domain: n('new', i), period: 1 }, status: 'succeeded', effect: 'registered' });
  for (let i = 0; i < 20 * scale; i++) {
    taken.push(n('taken', i));
    ops.push({ spec: { type: 'register', domain: n('taken', i), period: 1 }, status: 'failed', failureType: 'domain_not_available' });
  }
  for (let i = 0; i < 30 * scale; i++) {
    existing.push(n('renew', i));
    ops.push({ spec: { type: 'renew', domain: n('renew', i), period: 1 }, status: 'succeeded', effect: 'renewed' });
  }
  for (let i = 0; i < 10 * scale; i++) {
    existing.push(n('long', i));
    ops.push({ spec: { type: 'renew', domain: n('long', i), period: 10 }, status: 'failed', failureType: 'domain_not_renewable' });
  }
  for (let i = 0; i < 20 * scale; i++) {
    taken.push(n('xfer', i));
    ops.push({ spec: { type: 'transfer', domain: n('xfer', i), period: 1, auth: SIM_DEFAULTS.foreignAuthCode }, status: 'succeeded', effect: 'transferred' });
  }
  for (let i = 0; i < 10 * scale; i++) {
    taken.push(n('badauth', i));
    ops.push({ spec: { type: 'transfer', domain: n('badauth', i), period: 1, auth: `wrong-${i}` }, status: 'failed', failureType: 'transfer_auth_invalid' });
  }
  for (let i = 0; i < 40 * scale; i++) {
    existing.push(n('del', i));
    ops.push({ spec: { type: 'delete', domain: n('del', i) }, status: 'succeeded', effect: 'deleted' });
  }
  for (let i = 0; i < chains; i++) {
    const domain = n('chain', i);
    ops.push({ spec: { type: 'register', domain, period: 1 }, status: 'succeeded', effect: 'registered' });
    ops.push({ spec: { type: 'renew', domain, period: 1 }, status: 'succeeded', effect: 'renewed' });
    ops.push({ spec: { type: 'delete', domain }, status: 'succeeded', effect: 'deleted' });
  }
  return { ops, taken, existing };
}

/** The names given by more than one operation, with the effects their operations must have, in order. */
export function chainsOf(scenario: Scenario): Map<string, Effect[]> {
  const byDomain = new Map<string, Effect[]>();
  for (const op of scenario.ops) if (op.effect) byDomain.set(op.spec.domain, [...(byDomain.get(op.spec.domain) ?? []), op.effect]);
  return new Map([...byDomain].filter(([, effects]) => effects.length > 1));
}

/**
 * Register the scenario's existing names in the account, once each, through the registrar's
 * API. Faults may be on (temporary failures, dropped replies): a name whose AddDomain did not
 * answer 200 is looked up, and added again only when it is not in the account yet.
 */
export async function prepareExisting(scenario: Scenario, client: RegistrarClient): Promise<void> {
  const contacts = { ownerContact: SIM_DEFAULTS.contacts.owner, adminContact: SIM_DEFAULTS.contacts.admin, techContact: SIM_DEFAULTS.contacts.tech, billingContact: SIM_DEFAULTS.contacts.billing };
  await Promise.all(
    scenario.existing.map(async (domain) => {
      let last = '';
      for (let attempt = 0; attempt < 30; attempt++) {
        const added = await client.addDomain({ domain, period: 1, ...contacts, nameservers: [...SIM_DEFAULTS.nameservers] });
        if (added.code === 200) return;
        // a reply lost after the registration, or an earlier attempt's: the domain is ours already
        const status = await client.statusDomain(domain);
        if (status.code === 200) return;
        last = `${added.code} ${added.description}`;
        if (added.kind === 'reply' && added.class === 'permanent' && status.code === 545) break;
      }
      throw new Error(`could not prepare ${domain}: ${last}`);
    }),
  );
}

/**
 * What did not go as planned: operations that did not end as planned, and intended effects that
 * did not happen exactly once (or effects nobody intended); empty when all is well.
 */
export async function checkOutcomes(scenario: Scenario, views: readonly OperationView[], sim: SimProcess): Promise<string[]> {
  const wrong = scenario.ops
    .map((op, i) => ({ op, view: views[i]! }))
    .filter(({ op, view }) => view.status !== op.status || (op.failureType !== undefined && view.failure?.type !== op.failureType))
    .map(({ op, view }) => `${op.spec.type} ${op.spec.domain}: expected ${op.status} ${op.failureType ?? ''}, got ${view.status} ${JSON.stringify(view.failure ?? view.result)}`);
  const effects = await sim.effects();
  // The effects each name must show: its operations' together, and a registration before the run.
  const existing = new Set(scenario.existing);
  const expectedOf = new Map<string, Record<Effect, number>>();
  for (const op of scenario.ops) {
    const expected = expectedOf.get(op.spec.domain) ?? { registered: existing.has(op.spec.domain) ? 1 : 0, renewed: 0, transferred: 0, deleted: 0 };
    if (op.effect) expected[op.effect]++;
    expectedOf.set(op.spec.domain, expected);
  }
  for (const [domain, expected] of expectedOf) {
    const e = effects[domain] ?? { registered: 0, renewed: 0, transferred: 0, deleted: 0 };
    const actual = { registered: e.registered, renewed: e.renewed, transferred: e.transferred, deleted: e.deleted };
    if (JSON.stringify(actual) !== JSON.stringify(expected)) wrong.push(`${domain}: expected effects ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
  return wrong;
}
