// Shared by the sim-*.test.ts files: raw posts, a well-formedness check of
// replies, admin calls, and RegistrarClients that are closed after each test.
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { RegistrarClient, type RegistrarClientOptions } from '../../src/registrar/client.ts';
import type { Outcome } from '../../src/registrar/outcome.ts';
import { parseReply, type Reply } from '../../src/registrar/reply.ts';
import { startSim, type SimHandle } from '../../src/sandbox/index.ts';

export interface RawReply {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly reply: Reply;
}

/** Post (or GET) a raw body; the reply must parse. */
export async function post(url: string, body: string | Uint8Array, contentType = 'application/x-www-form-urlencoded', method: 'POST' | 'GET' = 'POST'): Promise<RawReply> {
  const res = await request(url, method === 'GET' ? { method } : { method, body, headers: { 'content-type': contentType } });
  const text = await res.body.text();
  const parsed = parseReply(text);
  if (!parsed.ok) throw new Error(`reply does not parse (${parsed.error.message}): ${JSON.stringify(text.slice(0, 200))}`);
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), text, reply: parsed.reply };
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** HTTP 200, text/plain, a 3-digit code, a non-empty description, property indices 0..n-1 in order. */
export function expectWellFormed(raw: RawReply): void {
  expect(raw.status).toBe(200);
  expect(raw.contentType.toLowerCase()).toMatch(/^text\/plain; charset=utf-8$/);
  expect(raw.text).toMatch(/^\[RESPONSE\]\n/);
  expect(raw.text).toMatch(/\nEOF\n$/);
  expect(raw.text).toMatch(/^code = \d{3}$/m);
  expect(raw.reply.description.length).toBeGreaterThan(0);
  const next = new Map<string, number>();
  for (const m of raw.text.matchAll(/^property\[([^\]]*)\]\[(\d+)\] = /gm)) {
    const name = m[1] ?? '';
    const index = Number(m[2]);
    expect(index, `index of property ${name}`).toBe(next.get(name) ?? 0);
    next.set(name, index + 1);
  }
}

export async function admin<T = unknown>(sim: SimHandle, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await request(`${sim.baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: JSON.parse(text) as T };
}

export interface EffectsView {
  [domain: string]: { registered: number; renewed: number; transferred: number; deleted: number };
}

export interface StatsView {
  commands: number;
  byCode: Record<string, number>;
  locks: number;
  dropped: number;
  rateLimited: number;
  sessionRejections: number;
  logins: number;
  [key: string]: unknown;
}

export class Clients {
  private readonly open: RegistrarClient[] = [];

  constructor(private readonly sim: () => SimHandle) {}

  make(extra: Partial<RegistrarClientOptions> = {}): RegistrarClient {
    const c = new RegistrarClient({ url: this.sim().url, login: 'demo', password: 'demo', timeoutMs: 5000, ...extra });
    this.open.push(c);
    return c;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.close()));
  }
}

/** The code of an outcome, or 'uncertain' when no reply came back. */
export function codeOf(outcome: { kind: string; code: number }): number | 'uncertain' {
  return outcome.kind === 'reply' ? outcome.code : 'uncertain';
}

/** A reply (not an uncertain outcome) with this code, and the description when one is given. */
export function expectCode(outcome: Outcome, code: number, description?: string | RegExp): void {
  expect(outcome.kind).toBe('reply');
  expect(outcome.code, outcome.description).toBe(code);
  if (typeof description === 'string') expect(outcome.description).toBe(description);
  else if (description) expect(outcome.description).toMatch(description);
}

/** For a file that shares one sim: closed after the file, reset before each test, its clients closed after each. */
export function sharedSimHooks(sim: () => SimHandle | undefined, clients?: Clients): void {
  afterAll(async () => {
    await sim()?.close();
  });
  beforeEach(async () => {
    await sim()?.reset();
  });
  if (clients) {
    afterEach(async () => {
      await clients.closeAll();
    });
  }
}

/**
 * The simulator the domain-command tests share (two names held by others, a second account
 * `other`), started once and reset before each test; `demo()` makes a client of the demo account
 * (`demo({ login, password })`, of another).
 */
export function domainCommandsSim(): {
  readonly handle: () => SimHandle;
  readonly demo: (extra?: Partial<RegistrarClientOptions>) => RegistrarClient;
  effects(): Promise<EffectsView>;
} {
  let sim: SimHandle | undefined;
  const handle = () => sim!;
  const clients = new Clients(handle);
  beforeAll(async () => {
    sim = await startSim({ port: 0, rate: 100_000, taken: ['taken-one.com', 'Taken-Two.NET'], accounts: [{ login: 'other', password: 'other-pw' }] });
  });
  sharedSimHooks(() => sim, clients);
  return {
    handle,
    demo: (extra = {}) => clients.make(extra),
    effects: async () => (await admin<EffectsView>(handle(), 'GET', '/_sim/effects')).json,
  };
}

