// Batches: many operations submitted at once (a bulk file, an API body),
// followed together. A batch of registrations checks availability first
// (CheckDomains, 32 names a command): an available name's operation skips its
// own CheckDomain, a taken name's operation ends at once as
// domain_not_available, without a command of its own.
import { randomBytes } from 'node:crypto';
import { describe } from '../codes.ts';
import type { RegistrarClient } from '../registrar/client.ts';
import type { Account } from './account.ts';
import { checkAvailability } from './availability.ts';
import { ConflictError } from './errors.ts';
import type { Keys } from './keys.ts';
import type { FailureView, HistoryEntry, OperationView, OpStatus } from './operation.ts';
import type { EngineRedis } from './scripts.ts';
import type { OperationStore, SubmitSpec } from './store.ts';

export interface BatchSummary {
  readonly batch: string;
  readonly createdAt: string;
  readonly total: number;
  readonly counts: Record<OpStatus, number>;
  /** every operation has ended */
  readonly done: boolean;
  readonly source?: string;
}

export interface SubmittedBatch {
  readonly batch: string;
  /** the accepted specs' operations, in order */
  readonly operations: OperationView[];
  /** for each operation, the index of its spec in what was submitted */
  readonly indices: number[];
  /** specs refused because their idempotency key names another operation (see keyConflict) */
  readonly rejected: { readonly index: number; readonly error: string; readonly field: 'key' }[];
  /** registrar commands the availability check cost */
  readonly checkCommands: number;
}

const FINAL: readonly OpStatus[] = ['succeeded', 'failed', 'cancelled'];

export class Batches {
  constructor(
    private readonly store: OperationStore,
    private readonly redis: EngineRedis,
    private readonly keys: Keys,
    private readonly account: Account,
    private readonly lockPauseMs: number,
  ) {}

  async submit(all: readonly SubmitSpec[], options: { registrar?: RegistrarClient; source?: string } = {}): Promise<SubmittedBatch> {
    const keys = await this.store.keyCheck(all);
    const rejected = keys.flatMap((k, index) => (k.kind === 'conflict' ? [{ index, error: k.error, field: 'key' as const }] : []));
    if (rejected.length === all.length) throw new ConflictError(rejected[0]!.error, 'key');
    const indices = all.flatMap((_, i) => (keys[i]!.kind === 'conflict' ? [] : [i]));
    // A line whose key names an operation that exists, or that an earlier line makes, is that
    // operation again: it is neither checked nor submitted (a replay must not fail or redo it).
    const specs = all.filter((_, i) => keys[i]!.kind === 'new');
    const batch = `b_${randomBytes(8).toString('base64url')}`;
    const tagged = specs.map((s) => ({ ...s, batch }));
    const registerNames = [...new Set(tagged.filter((s) => s.type === 'register' && !s.checked).map((s) => s.domain))];
    const availability = options.registrar && registerNames.length > 0 ? await checkAvailability(this.account, options.registrar, registerNames, { lockPauseMs: this.lockPauseMs }) : new Map();
    const toRun: SubmitSpec[] = [];
    const toFail: { spec: SubmitSpec; failure: FailureView; history: HistoryEntry[] }[] = [];
    const order: { run: boolean; index: number }[] = [];
    for (const spec of tagged) {
      const check = spec.type === 'register' ? availability.get(spec.domain) : undefined;
      if (check && !check.available) {
        order.push({ run: false, index: toFail.length });
        toFail.push({ spec, failure: { type: 'domain_not_available', code: check.code, description: check.description || describe(211), step: 'checkDomain' }, history: [check.line] });
      } else {
        order.push({ run: true, index: toRun.length });
        toRun.push(check?.available ? { ...spec, checked: true, checkLine: check.line } : spec);
      }
    }
    const now = Date.now();
    // With idempotency keys, an operation may be another batch's (or none's) too: its redrive would
    // not tell this batch, so such a batch is always counted afresh (see progress).
    const shared = all.some((s) => s.key !== undefined);
    const [ran, failed] = await Promise.all([this.store.submitMany(toRun), this.store.submitFailed(toFail)]);
    const made = order.map((o) => (o.run ? ran[o.index]! : failed[o.index]!));
    // The accepted lines' operations in line order: new ones as just made, replays as they are.
    const byId = new Map(made.map((op) => [op.id, op]));
    const replayed = indices.flatMap((i) => {
      const k = keys[i]!;
      return k.kind === 'replay' && k.exists && !byId.has(k.id) ? [k.id] : [];
    });
    for (const id of new Set(replayed)) {
      const view = await this.store.get(id, false);
      if (view) byId.set(id, view);
    }
    let next = 0;
    const lines = indices.flatMap((i) => {
      const k = keys[i]!;
      const view = k.kind === 'replay' ? byId.get(k.id) : made[next++];
      return view ? [{ index: i, view }] : [];
    });
    // A key that was new at the check may name another request's operation by now (a concurrent
    // submission with it came first): its line is refused as a conflict at the check would be, and
    // that operation is not this batch's.
    const raced = await this.store.storedConflicts(lines.map((l) => ({ spec: all[l.index]!, id: l.view.id })));
    const accepted = lines.filter((_, j) => raced[j] === undefined);
    lines.forEach((l, j) => {
      const race = raced[j];
      if (race) rejected.push({ index: l.index, error: race.error, field: 'key' });
    });
    rejected.sort((a, b) => a.index - b.index);
    if (accepted.length === 0 && rejected.length > 0) throw new ConflictError(rejected[0]!.error, 'key');
    // The CheckDomains line of a checked keyed line goes into its operation's history when this
    // batch made that operation (submitMany leaves keyed ones out: the id may be another's).
    const checked = toRun.flatMap((spec, i) => (spec.key !== undefined && spec.checkLine ? [{ spec, id: ran[i]!.id, line: spec.checkLine }] : []));
    const ours = await this.store.madeHere(checked);
    await this.store.prependChecks(new Map(checked.flatMap((c, i) => (ours[i] ? [[c.id, c.line] as const] : []))));
    const operations = accepted.map((l) => l.view);
    const members = [...new Set(operations.map((op) => op.id))];
    await this.redis
      .multi()
      .hset(this.keys.batch(batch), { createdAt: String(now), total: String(members.length), ...(options.source ? { source: options.source } : {}), ...(shared ? { shared: '1' } : {}) })
      .zadd(this.keys.batches, now, batch)
      .exec();
    if (members.length) await this.redis.rpush(this.keys.batchMembers(batch), ...members);
    return { batch, operations, indices: accepted.map((l) => l.index), rejected, checkCommands: Math.ceil(registerNames.length / 32) };
  }

  /**
   * A batch's counts by status. Once all its operations have ended, the counts are kept with the
   * batch (they change only when one is redriven, which forgets them): the dashboard shows the
   * latest batches every second, and an ended batch of 20,000 then costs one read, not a count.
   * (Not a batch submitted with idempotency keys: see submit.)
   */
  async progress(batch: string): Promise<BatchSummary | undefined> {
    const meta = await this.redis.hgetall(this.keys.batch(batch));
    if (!meta.createdAt) return undefined;
    const kept = meta.final ? (JSON.parse(meta.final) as Record<OpStatus, number>) : undefined;
    const counts = kept ?? (await this.store.counts(batch));
    const total = Number(meta.total);
    const done = FINAL.reduce((n, s) => n + counts[s], 0) >= total;
    if (done && !kept && !meta.shared) await this.redis.keepBatchCounts(this.keys.batch(batch), meta.redrives ?? '', JSON.stringify(counts));
    return {
      batch,
      createdAt: new Date(Number(meta.createdAt)).toISOString(),
      total,
      counts,
      done,
      ...(meta.source ? { source: meta.source } : {}),
    };
  }

  /** The most recent batches first. */
  async list(limit = 50): Promise<BatchSummary[]> {
    const ids = await this.redis.zrevrange(this.keys.batches, 0, limit - 1);
    const summaries = await Promise.all(ids.map((id) => this.progress(id)));
    return summaries.filter((s): s is BatchSummary => s !== undefined);
  }
}
