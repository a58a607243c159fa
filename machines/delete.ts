// delete: DeleteDomain INSTANT. StatusDomain runs only after no reply: 545 (gone)
// or a PENDINGDELETE status = it happened; the domain still there = send again.
import type { OpContext } from './context.ts';
import type { DefiniteReply } from './contract.ts';
import { createOperation } from './operation.ts';
import { code, finish, resend } from './branches.ts';
import { unknownState, type StepSpec } from './step.ts';
import { isPendingDelete, statusFlags } from './step-reply.ts';

const deleted = (reconciled: boolean) => (_: OpContext, r: DefiniteReply) => {
  const status = statusFlags(r);
  return { ...(status.length > 0 ? { status } : {}), ...(reconciled ? { reconciled: true } : {}) };
};

export const deleteSteps: readonly StepSpec[] = [
  {
    name: 'deleteDomain',
    command: 'DeleteDomain',
    changesState: true,
    reconcile: 'reconcileDelete',
    params: (ctx) => ({ DOMAIN: ctx.domain, ACTION: 'INSTANT' }),
    success: [finish('200', undefined, deleted(false))],
  },
  {
    name: 'reconcileDelete',
    command: 'StatusDomain',
    changesState: false,
    params: (ctx) => ({ DOMAIN: ctx.domain }),
    success: [finish('200 PENDINGDELETE', (r) => isPendingDelete(r), deleted(true)), ...resend('200 still there: delete again', 'deleteDomain')],
    permanent: [finish('545 gone', code(545), () => ({ reconciled: true }))],
  },
];

export const { machine: deleteMachine, plan: deletePlan } = createOperation({
  type: 'delete',
  steps: deleteSteps,
  // Its first command: nothing is read before it.
  firstEffect: () => 'deleteDomain',
  entries: [{ step: 'deleteDomain', label: 'start', when: () => true }],
  // From the moment DeleteDomain may have reached the registrar: ends as it says (cancelled if it did not delete).
  cancel: { noted: [unknownState('deleteDomain'), 'reconcileDelete'] },
});
