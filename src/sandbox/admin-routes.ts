// The admin endpoints under /_sim (JSON, no auth: the simulator listens on
// loopback by default). They show effects, counters, the command log and the
// registry, and let tests move the clock, set credit, faults and the transfer
// policy. Passwords and auth codes never appear here (auth is shown as "***").
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AccountLimits } from './account-limits.ts';
import type { SimClock } from './clock.ts';
import { SIM_DEFAULTS } from './defaults.ts';
import { normalizeName } from './domain-name.ts';
import type { FaultPlan } from './faults.ts';
import type { Registry } from './registry.ts';
import type { SessionStore } from './sessions.ts';
import type { CommandLog, SimStats } from './sim-stats.ts';
import type { DomainRecord } from './state.ts';

export interface AdminDeps {
  readonly registry: Registry;
  readonly clock: SimClock;
  readonly stats: SimStats;
  readonly log: CommandLog;
  readonly limits: AccountLimits;
  readonly faults: FaultPlan;
  readonly sessions: SessionStore;
  readonly seed: number;
  reset(): Promise<void>;
}

const clockBody = z.object({ advanceMs: z.number().finite().min(0) });
const creditBody = z.object({ account: z.string(), amount: z.number().finite().min(0) });
const policyBody = z.object({ deny: z.array(z.string()) });
const faultsBody = z.object({
  tempFailRate: z.number().min(0).max(1).optional(),
  dropRate: z.number().min(0).max(1).optional(),
  latencyMs: z.number().min(0).max(600_000).optional(),
});
const domainBody = z.object({ status: z.array(z.string().min(1)).optional(), owner: z.string().min(1).optional(), expires: z.string().optional() });

const ADMIN_ENDPOINTS = [
  'GET /_sim/effects',
  'GET /_sim/stats',
  'POST /_sim/reset',
  'GET /_sim/log?since=SEQ&domain=NAME&account=LOGIN',
  'GET|POST /_sim/clock {"advanceMs": n}',
  'GET /_sim/accounts',
  'POST /_sim/credit {"account": "demo", "amount": n}',
  'GET|POST /_sim/transfer-policy {"deny": ["name.com"]}',
  'GET|POST /_sim/faults {"tempFailRate"?, "dropRate"?, "latencyMs"?}',
  'GET /_sim/domains',
  'GET|POST /_sim/domains/NAME {"status"?: [...], "owner"?, "expires"?}',
];

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parse<T>(schema: z.ZodType<T>, body: string): T {
  let value: unknown;
  try {
    value = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new AdminError(400, 'body is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AdminError(400, issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid body');
  }
  return parsed.data;
}

function clockView(clock: SimClock): Record<string, unknown> {
  const now = clock.now();
  return { now: new Date(now).toISOString(), nowMs: now, offsetMs: clock.offsetMs };
}

function domainView(registry: Registry, d: DomainRecord): Record<string, unknown> {
  return {
    name: d.name,
    owner: d.owner,
    status: d.status,
    created: new Date(d.created).toISOString(),
    updated: new Date(d.updated).toISOString(),
    expires: new Date(d.expires).toISOString(),
    transferLock: d.status.includes('clientTransferProhibited'),
    nameservers: d.nameservers,
    contacts: d.contacts,
    auth: '***',
    transfers: registry.transfersOf(d.name),
    effects: registry.state.effects.get(d.name) ?? null,
  };
}

async function route(d: AdminDeps, method: string, path: string, query: URLSearchParams, body: string): Promise<[number, unknown]> {
  const { registry, clock } = d;
  registry.settleDue(clock.now());
  const key = `${method} ${path}`;
  switch (key) {
    case 'GET /_sim':
      return [200, { endpoints: ADMIN_ENDPOINTS }];
    case 'GET /_sim/effects':
      return [200, Object.fromEntries(registry.state.effects)];
    case 'GET /_sim/stats':
      return [
        200,
        {
          ...d.stats.toJSON(),
          sessions: d.sessions.size,
          connections: d.limits.connections(),
          pendingTransfers: [...registry.state.transfers.values()].flat().filter((t) => t.status === 'pending').length,
          domains: registry.state.domains.size,
          seed: d.seed,
          faults: d.faults.settings,
          clock: clockView(clock),
        },
      ];
    case 'POST /_sim/reset':
      await d.reset();
      return [200, { reset: true }];
    case 'GET /_sim/log': {
      const since = query.get('since');
      const filter: { since?: number; domain?: string; account?: string } = {};
      if (since !== null && /^\d+$/.test(since)) filter.since = Number(since);
      const domain = query.get('domain');
      if (domain) filter.domain = domain.toLowerCase();
      const account = query.get('account');
      if (account) filter.account = account;
      return [200, d.log.list(filter)];
    }
    case 'GET /_sim/clock':
      return [200, clockView(clock)];
    case 'POST /_sim/clock':
      clock.advance(parse(clockBody, body).advanceMs);
      registry.settleDue(clock.now());
      registry.changed();
      return [200, clockView(clock)];
    case 'GET /_sim/accounts':
      return [
        200,
        [...registry.state.accounts.values()].map((a) => ({
          login: a.login,
          credit: a.credit,
          contacts: a.contacts,
          lockedUntil: d.limits.lockedUntil(a.login) ?? null,
        })),
      ];
    case 'POST /_sim/credit': {
      const { account, amount } = parse(creditBody, body);
      const record = registry.account(account);
      if (!record) throw new AdminError(404, `no account ${account}`);
      record.credit = amount;
      registry.changed();
      return [200, { account, credit: amount }];
    }
    case 'GET /_sim/transfer-policy':
    case 'POST /_sim/transfer-policy': {
      if (method === 'POST') {
        const names = parse(policyBody, body).deny.map((n) => normalizeName(n) ?? n.toLowerCase());
        registry.state.denyTransfers = new Set(names);
        registry.changed();
      }
      return [200, { deny: [...registry.state.denyTransfers], denyPrefix: SIM_DEFAULTS.denyTransferPrefix }];
    }
    case 'GET /_sim/faults':
    case 'POST /_sim/faults':
      if (method === 'POST') Object.assign(d.faults.settings, parse(faultsBody, body));
      return [200, d.faults.settings];
    case 'GET /_sim/domains':
      return [200, [...registry.state.domains.keys()].sort()];
  }
  if (path.startsWith('/_sim/domains/') && (method === 'GET' || method === 'POST')) {
    let raw: string;
    try {
      raw = decodeURIComponent(path.slice('/_sim/domains/'.length));
    } catch {
      throw new AdminError(400, 'domain name is not URL-encoded properly');
    }
    const name = normalizeName(raw) ?? raw.toLowerCase();
    const domain = registry.domain(name);
    if (!domain) throw new AdminError(404, `no domain ${name}`);
    if (method === 'POST') {
      const change = parse(domainBody, body);
      if (change.status) domain.status = change.status;
      if (change.owner) domain.owner = change.owner;
      if (change.expires) {
        const ms = Date.parse(change.expires);
        if (!Number.isFinite(ms)) throw new AdminError(400, 'expires: not a date');
        domain.expires = ms;
      }
      domain.updated = clock.now();
      registry.changed();
    }
    return [200, domainView(registry, domain)];
  }
  throw new AdminError(404, `no admin endpoint ${method} ${path}`);
}

export async function handleAdmin(d: AdminDeps, method: string, path: string, query: URLSearchParams, body: string, res: ServerResponse): Promise<void> {
  try {
    const [status, value] = await route(d, method, path, query, body);
    json(res, status, value);
  } catch (err) {
    if (err instanceof AdminError) return json(res, err.status, { error: err.message });
    json(res, 500, { error: err instanceof Error ? err.message : String(err) });
  }
}
