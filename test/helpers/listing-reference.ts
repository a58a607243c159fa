// The reference a list is checked against (how lists were read before the
// index: every job of every state, sorted, filtered, sliced), and the count of
// Redis commands a read costs.
import type { JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ListFilter } from '../../src/engine/listing.ts';
import type { OperationView } from '../../src/engine/operation.ts';
import { operationView } from '../../src/engine/operation-view.ts';
import type { SubmitSpec } from '../../src/engine/store.ts';
import type { Harness } from './engine-harness.ts';

const ALL_STATES: JobType[] = ['waiting', 'paused', 'prioritized', 'active', 'delayed', 'completed', 'failed'];

/** Every job of every state, as users see them, oldest first (the reference). */
export async function everything(h: Harness): Promise<OperationView[]> {
  const views: OperationView[] = [];
  for (const state of ALL_STATES) {
    for (const job of await h.engine.queue.getJobs([state], 0, -1, true)) if (job) views.push(operationView(job, state));
  }
  return views.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
}

export async function reference(h: Harness, filter: ListFilter): Promise<OperationView[]> {
  let views = await everything(h);
  if (filter.batch) {
    const order = await h.engine.redis.lrange(h.engine.keys.batchMembers(filter.batch), 0, -1);
    const byId = new Map(views.map((v) => [v.id, v]));
    views = order.map((id) => byId.get(id)).filter((v): v is OperationView => v !== undefined);
  }
  const offset = filter.offset ?? 0;
  return views
    .filter((v) => (filter.status ? v.status === filter.status : true))
    .filter((v) => (filter.reason ? v.failure?.type === filter.reason : true))
    .filter((v) => (filter.type ? v.type === filter.type : true))
    .slice(offset, offset + (filter.limit ?? 1000));
}

/** Commands sent on the engine's connections while `fn` runs. */
export async function commandsOf(h: Harness, fn: () => Promise<unknown>): Promise<number> {
  const connections = [h.engine.redis as Redis, (await h.engine.queue.client) as unknown as Redis];
  let n = 0;
  const originals = connections.map((c) => c.sendCommand.bind(c));
  connections.forEach((c, i) => {
    c.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => (n++, originals[i]!(...args))) as Redis['sendCommand'];
  });
  try {
    await fn();
  } finally {
    connections.forEach((c, i) => (c.sendCommand = originals[i]!));
  }
  return n;
}

export const spec = (type: SubmitSpec['type'], domain: string): SubmitSpec => (type === 'transfer' ? { type, domain, auth: 'secret-auth' } : type === 'delete' ? { type, domain } : { type, domain, period: 1 });
