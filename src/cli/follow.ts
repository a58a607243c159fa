// `--wait`: follow an operation to its end, printing each command and state
// change as it happens.
import type { OperationView } from '../engine/operation.ts';
import type { OperationStore } from '../engine/store.ts';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

function describeView(op: OperationView): string {
  if (op.status === 'succeeded') return `succeeded ${JSON.stringify(op.result ?? {})}`;
  if (op.status === 'failed' || op.status === 'cancelled') return `${op.status}: ${op.failure?.type} (${op.failure?.code} ${op.failure?.description}) at ${op.failure?.step}`;
  if (op.status === 'waiting') return `waiting${op.nextRunAt ? ` until ${op.nextRunAt}` : ''}${op.state ? ` in ${op.state}` : ''}`;
  return `${op.status}${op.state ? ` in ${op.state}` : ''}`;
}

/** Poll until the operation ends; `print` gets each transition as a line. */
export async function follow(store: OperationStore, id: string, print: (line: string) => void, pollMs = 150): Promise<OperationView> {
  let seen = 0;
  let lastState = '';
  for (;;) {
    const op = await store.get(id, true);
    if (!op) throw new Error(`operation ${id} disappeared`);
    const history = op.history ?? [];
    for (const h of history.slice(seen)) {
      print(`  ${h.step}: ${h.command} -> ${h.code} ${h.description} (${h.ms} ms${h.attempt > 1 ? `, attempt ${h.attempt}` : ''})`);
    }
    seen = history.length;
    const state = describeView(op);
    if (state !== lastState) {
      print(`${op.id} ${op.type} ${op.domain}: ${state}`);
      lastState = state;
    }
    if (FINAL.has(op.status)) return op;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function withoutHistory(op: OperationView): OperationView {
  const { history: _history, ...rest } = op;
  return rest;
}
