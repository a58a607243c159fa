// Idempotency keys: a key names one request (type, domain, period) of the account. The same
// request again is a replay of its operation; another request with the key is refused, not
// answered with the first operation (which would look like success).
import type { Keys } from './keys.ts';
import type { OpData } from './operation.ts';
import { parsed } from './operation-view.ts';
import type { EngineRedis } from './scripts.ts';
import type { SubmitSpec } from './store.ts';

/** What a submission's idempotency key says (see keyChecks). */
export type KeyCheck = { readonly kind: 'new' } | { readonly kind: 'replay'; readonly id: string; readonly exists: boolean } | { readonly kind: 'conflict'; readonly error: string };
const NEW_KEY: KeyCheck = { kind: 'new' };

/**
 * Why a submission with an idempotency key cannot be the operation its key already names (another
 * type, domain or period), or undefined when it is the same request again. Names the key and the
 * operation, never a secret.
 */
export function keyConflict(spec: SubmitSpec, id: string, existing: Pick<OpData, 't' | 'd' | 'p'>): string | undefined {
  const years = (type: string, p: number | undefined) => (type === 'delete' ? undefined : (p ?? 1));
  if (existing.t === spec.type && existing.d === spec.domain && years(existing.t, existing.p) === years(spec.type, spec.period)) return undefined;
  const what = (t: string, d: string, p: number | undefined) => `${t} ${d}${years(t, p) === undefined ? '' : ` for ${years(t, p)} year(s)`}`;
  return `key ${JSON.stringify(spec.key)} already names ${id} (${what(existing.t, existing.d, existing.p)}), not ${what(spec.type, spec.domain, spec.period)}: give this operation a key of its own`;
}

/**
 * What each spec's idempotency key says, in one round trip: nothing (no key, or a key new to the
 * account and to these specs); a replay of the operation it already names, which exists or an
 * earlier spec of these makes (the same type, domain and period); or a conflict, why the key
 * cannot be used. `idFor` is the store's: the same key always gives the same operation id.
 */
export async function keyChecks(redis: EngineRedis, keys: Keys, specs: readonly SubmitSpec[], idFor: (key: string) => string): Promise<KeyCheck[]> {
  const out: KeyCheck[] = specs.map(() => NEW_KEY);
  const keyed = specs.flatMap((spec, i) => (spec.key === undefined ? [] : [{ spec, i, id: idFor(spec.key) }]));
  if (keyed.length === 0) return out;
  const stored = await storedData(redis, keys, keyed.map((k) => k.id));
  const first = new Map<string, Pick<OpData, 't' | 'd' | 'p'>>();
  keyed.forEach(({ spec, i, id }, j) => {
    const existing = stored[j];
    const named = existing ?? first.get(id);
    if (!named) {
      first.set(id, { t: spec.type, d: spec.domain, ...(spec.period !== undefined ? { p: spec.period } : {}) });
      return;
    }
    const conflict = keyConflict(spec, id, named);
    out[i] = conflict ? { kind: 'conflict', error: conflict } : { kind: 'replay', id, exists: existing !== undefined };
  });
  return out;
}

/** The job data stored under each id (undefined where there is no job), in one round trip. */
async function storedData(redis: EngineRedis, keys: Keys, ids: readonly string[]): Promise<(OpData | undefined)[]> {
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hget(keys.job(id), 'data');
  const replies = (await pipeline.exec()) ?? [];
  return ids.map((_, j) => {
    const [err, json] = replies[j] ?? [];
    if (err) throw err;
    return typeof json === 'string' ? parsed<OpData>(json) : undefined;
  });
}

/** What was just added under an id: a submission and the id its key (or none) gave it. */
export interface Added {
  readonly spec: SubmitSpec;
  readonly id: string;
}

/**
 * After adding: for each submission with a key, the request its id names when that is another
 * one (the error, and that operation's domain), else undefined. A concurrent submission with the
 * same key may have made it between the check and the add (BullMQ keeps the first job of an id and
 * answers a second add as if it were stored).
 */
export async function storedConflicts(redis: EngineRedis, keys: Keys, added: readonly Added[]): Promise<(KeyRace | undefined)[]> {
  const keyed = added.filter((a) => a.spec.key !== undefined);
  const stored = await storedData(redis, keys, keyed.map((a) => a.id));
  let j = 0;
  return added.map(({ spec, id }) => {
    if (spec.key === undefined) return undefined;
    const data = stored[j++];
    const error = data ? keyConflict(spec, id, data) : undefined;
    return data && error ? { error, domain: data.d } : undefined;
  });
}

/** A keyed submission that lost its key to another request (see storedConflicts). */
export interface KeyRace {
  readonly error: string;
  /** the domain of the operation the key names */
  readonly domain: string;
}

/**
 * After adding: whether each submission made the job under its id. One without an idempotency
 * key always did (its id is new); a keyed one of a batch did when the stored job is that batch's,
 * as the same key may have made it in a concurrent submission (of another request, or the same
 * one replayed). A keyed one outside a batch cannot tell, and counts as not made.
 */
export async function madeHere(redis: EngineRedis, keys: Keys, added: readonly Added[]): Promise<boolean[]> {
  const keyed = added.filter((a) => a.spec.key !== undefined);
  const stored = await storedData(redis, keys, keyed.map((a) => a.id));
  let j = 0;
  return added.map(({ spec }) => {
    if (spec.key === undefined) return true;
    const data = stored[j++];
    return spec.batch !== undefined && data?.b === spec.batch;
  });
}
