// --state-file: the registry saved as JSON and reloaded on restart. Saves are
// debounced and asynchronous (never a sync write on the command path) and
// atomic: written to a temporary file, then renamed over the old one. What
// changed in the last debounce interval before a crash is lost; close()
// flushes. Passwords are not saved: accounts come from the options, only their
// credit is restored.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { RegistryState } from './state.ts';

const handles = z.object({ owner: z.string(), admin: z.string(), tech: z.string(), billing: z.string() });
const counts = z.object({ registered: z.number(), renewed: z.number(), transferred: z.number(), deleted: z.number() });
const transferStatus = z.enum(['pending', 'clientApproved', 'serverApproved', 'clientRejected', 'clientCancelled']);

const persistedSchema = z.object({
  version: z.literal(1),
  clockOffsetMs: z.number(),
  credit: z.record(z.string(), z.number()),
  domains: z.array(
    z.object({
      name: z.string(),
      owner: z.string(),
      created: z.number(),
      updated: z.number(),
      expires: z.number(),
      status: z.array(z.string()),
      nameservers: z.array(z.string()),
      contacts: handles,
      admins: z.array(z.string()).optional(),
      auth: z.string(),
    }),
  ),
  contacts: z.array(z.object({ handle: z.string(), owner: z.string(), created: z.number(), fields: z.record(z.string(), z.string()) })),
  nameservers: z.array(z.object({ host: z.string(), owner: z.string(), created: z.number(), ips: z.array(z.string()) })),
  transfers: z.array(
    z.object({
      id: z.number(),
      domain: z.string(),
      gaining: z.string(),
      losing: z.string(),
      period: z.number(),
      requested: z.number(),
      due: z.number(),
      charged: z.number(),
      status: transferStatus,
      finished: z.number().optional(),
    }),
  ),
  effects: z.record(z.string(), counts),
  denyTransfers: z.array(z.string()),
  nextContact: z.number(),
  nextTransfer: z.number(),
});

export type PersistedState = z.infer<typeof persistedSchema>;

export function toPersisted(state: RegistryState, clockOffsetMs: number): PersistedState {
  const credit: Record<string, number> = {};
  for (const a of state.accounts.values()) credit[a.login] = a.credit;
  return {
    version: 1,
    clockOffsetMs,
    credit,
    domains: [...state.domains.values()],
    contacts: [...state.contacts.values()].map((c) => ({ ...c, fields: { ...c.fields } })),
    nameservers: [...state.nameservers.values()].map((n) => ({ ...n, ips: [...n.ips] })),
    transfers: [...state.transfers.values()].flat(),
    effects: Object.fromEntries(state.effects),
    denyTransfers: [...state.denyTransfers],
    nextContact: state.nextContact,
    nextTransfer: state.nextTransfer,
  };
}

/** Lay a saved state over a fresh initial one (which brings the accounts of the options). */
export function applyPersisted(state: RegistryState, saved: PersistedState): void {
  for (const [login, credit] of Object.entries(saved.credit)) {
    const account = state.accounts.get(login);
    if (account) account.credit = credit;
  }
  state.domains.clear();
  for (const d of saved.domains) state.domains.set(d.name, { ...d });
  for (const c of saved.contacts) state.contacts.set(c.handle, c);
  state.nameservers.clear();
  for (const n of saved.nameservers) state.nameservers.set(n.host, n);
  state.transfers.clear();
  for (const t of saved.transfers) {
    let list = state.transfers.get(t.domain);
    if (!list) state.transfers.set(t.domain, (list = []));
    list.push({ ...t });
  }
  state.effects.clear();
  for (const [name, c] of Object.entries(saved.effects)) state.effects.set(name, { ...c });
  state.denyTransfers = new Set(saved.denyTransfers);
  state.nextContact = saved.nextContact;
  state.nextTransfer = saved.nextTransfer;
}

/** The saved state, or undefined when the file does not exist yet; throws a clear error for a damaged one. */
export async function loadStateFile(path: string): Promise<PersistedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw new Error(`--state-file ${path}: cannot read it (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`--state-file ${path}: not valid JSON (remove it to start empty)`);
  }
  const parsed = persistedSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--state-file ${path}: not a simulator state (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`);
  }
  return parsed.data;
}

export class StateFile {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    readonly path: string,
    private readonly snapshot: () => PersistedState,
    private readonly onError: (err: Error) => void,
    private readonly delayMs = 100,
  ) {}

  /** Note a change: a save follows within the debounce interval. */
  schedule(): void {
    this.dirty = true;
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => void this.write(), this.delayMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    const text = JSON.stringify(this.snapshot());
    const tmp = `${this.path}.${process.pid}.tmp`;
    this.writing = (async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(tmp, text);
      await rename(tmp, this.path);
    })();
    try {
      await this.writing;
    } catch (err) {
      this.onError(err as Error);
    } finally {
      this.writing = undefined;
      if (this.dirty) this.schedule();
    }
  }

  /** Write what is pending now and wait for it (close, reset). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.dirty || this.timer) await this.write();
  }
}
