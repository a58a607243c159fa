// register: CheckDomain (skipped after a batch check) -> AddDomain. StatusDomain
// runs only when AddDomain leaves the outcome open: 554 (ours from a lost
// earlier reply, or someone else's?), a pending registration, no reply, or a
// first run lost with nothing recorded (recheckAdd).
// StatusDomain answers 200 only for a domain in our account, 545 otherwise.
import type { DefiniteReply } from './contract.ts';
import { codeInfo } from '../src/codes.ts';
import type { OpContext } from './context.ts';
import { createOperation } from './operation.ts';
import { code, failAs, finish, pollAgain, resend } from './branches.ts';
import { unknownState, type Branch, type StepSpec } from './step.ts';
import { expirationDate, isPendingCreate } from './step-reply.ts';

const PENDING = 'registrationPending';

function addDomainParams(ctx: OpContext): Record<string, string | number> {
  const params: Record<string, string | number> = { DOMAIN: ctx.domain, PERIOD: ctx.period ?? 1 };
  const c = ctx.contacts;
  if (c) {
    if (c.owner) params['OWNERCONTACT0'] = c.owner;
    if (c.admin) params['ADMINCONTACT0'] = c.admin;
    if (c.tech) params['TECHCONTACT0'] = c.tech;
    if (c.billing) params['BILLINGCONTACT0'] = c.billing;
  }
  ctx.nameservers.forEach((ns, i) => {
    params[`NAMESERVER${i}`] = ns;
  });
  return params;
}

const registered = (reconciled: boolean) => (_: OpContext, r: DefiniteReply) => {
  const date = expirationDate(r);
  return { ...(date !== undefined ? { expirationDate: date } : {}), ...(reconciled ? { reconciled: true } : {}) };
};

const pending = (r: DefiniteReply) => isPendingCreate(r);
/** A pending registration is polled until startedAt + pendingDeadlineMs. */
const pendingDeadline = (ctx: OpContext) => Math.max(ctx.deadlineAt, ctx.startedAt + ctx.policy.pendingDeadlineMs);

/** StatusDomain 200 for our domain: pending -> keep polling; otherwise registered. */
function ours(reconciled: boolean): Branch[] {
  return [...pollAgain('200 pending', PENDING, 'pending', 'registration_timed_out', pending, pendingDeadline), finish('200 ours', undefined, registered(reconciled))];
}

const TAKEN = codeInfo(554);

/** StatusDomain where AddDomain may have taken effect: ours, as a registration; 545 (not ours) as `notOurs` says. */
function ownedYet(name: string, notOurs: Branch[]): StepSpec {
  return { name, command: 'StatusDomain', changesState: false, params: (ctx) => ({ DOMAIN: ctx.domain }), success: ours(true), permanent: notOurs };
}

export const registerSteps: readonly StepSpec[] = [
  {
    name: 'checkDomain',
    command: 'CheckDomain',
    changesState: false,
    params: (ctx) => ({ DOMAIN: ctx.domain }),
    success: [failAs('211', code(211), 'domain_not_available'), { label: '210 (or another 2xx)', target: 'addDomain', update: () => ({}) }],
  },
  {
    name: 'addDomain',
    command: 'AddDomain',
    changesState: true,
    reconcile: 'reconcileAdd',
    params: addDomainParams,
    success: [
      ...pollAgain('200 pending', PENDING, 'pending', 'registration_timed_out', pending, pendingDeadline),
      finish('200 active', (r) => expirationDate(r) !== undefined, registered(false)),
      // Registered, but without the date the result needs: read it.
      { label: '200 without expiration date', target: 'pollRegistration', update: () => ({}) },
    ],
    permanent: [{ label: '554', when: code(554), target: 'statusAfterTaken', update: () => ({}) }],
  },
  ownedYet('reconcileAdd', resend('545 not ours: add again', 'addDomain', code(545))),
  // Resumed after a first run that may have sent AddDomain with nothing recorded (the engine's
  // first-run checkpoint), its availability check included: ours already, or on as from the start.
  ownedYet('recheckAdd', resend('545 not ours: check availability', 'checkDomain', code(545))),
  ownedYet('statusAfterTaken', [failAs('545 someone else', code(545), 'domain_already_registered', () => ({ code: 554, description: TAKEN?.description ?? 'Domain already registered' }))]),
  {
    name: 'pollRegistration',
    command: 'StatusDomain',
    changesState: false,
    params: (ctx) => ({ DOMAIN: ctx.domain }),
    success: ours(false),
    permanent: [failAs('545', code(545), 'registration_rejected')],
  },
];

export const { machine: registerMachine, plan: registerPlan } = createOperation({
  type: 'register',
  steps: registerSteps,
  polls: { [PENDING]: 'pollRegistration' },
  // From the moment AddDomain may have reached the registrar: ends as it says (cancelled if it did not register).
  cancel: { noted: [unknownState('addDomain'), 'reconcileAdd', 'recheckAdd', 'statusAfterTaken', PENDING, 'pollRegistration'] },
  // AddDomain's parameters come from the input, and StatusDomain tells whether the domain is ours;
  // a run resumed after a lost first run asks that first, then checks availability as at the start.
  firstEffect: () => 'addDomain',
  firstEffectResume: 'recheckAdd',
  entries: [
    { step: 'addDomain', label: 'input.checked', when: (input) => input.type === 'register' && input.checked === true },
    { step: 'checkDomain', label: 'start', when: () => true },
  ],
});
