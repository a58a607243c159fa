// What the simulated registrar starts with when nothing else is said: the
// demo account, its default contacts and name servers, the names other
// accounts already hold, prices and limits. The engine and a new user's first
// run rely on these names, so they are exported in one place.

export interface ContactHandles {
  readonly owner: string;
  readonly admin: string;
  readonly tech: string;
  readonly billing: string;
}

export interface Prices {
  /** Charged per year of the period. */
  readonly register: number;
  readonly renew: number;
  readonly transfer: number;
}

/**
 * Names registered by "other accounts" of the simulated registry (no login can
 * use that account): they make 211, 554, 218 and transfers-in real.
 */
export const SEEDED_TAKEN_NAMES: readonly string[] = Object.freeze([
  'example.com',
  'example.net',
  'example.org',
  'google.com',
  'github.com',
  'wikipedia.org',
  'amazon.com',
  'domainflow.test',
]);

export const SIM_DEFAULTS = Object.freeze({
  login: 'demo',
  password: 'demo',
  /** Contact handles that exist for the demo account from the start. */
  contacts: Object.freeze({ owner: 'DEMO-OWNER', admin: 'DEMO-ADMIN', tech: 'DEMO-TECH', billing: 'DEMO-BILLING' }) as ContactHandles,
  /** Name servers that exist from the start (under domainflow.test, which another account holds). */
  nameservers: Object.freeze(['ns1.domainflow.test', 'ns2.domainflow.test']) as readonly string[],
  /**
   * The transfer auth code of every name held by other accounts (the seeded
   * names and `--taken`): what a test or a first run gives to transfer one in.
   */
  foreignAuthCode: 'sim-transfer-ok',
  /** A transfer of a name whose first label starts with this is denied by the losing side. */
  denyTransferPrefix: 'deny-',
  credit: 1_000_000,
  prices: Object.freeze({ register: 10, renew: 10, transfer: 10 }) as Prices,
  host: '127.0.0.1',
  /** The CLI's port when --port is not given (startSim defaults to 0, a random port). */
  port: 8765,
  /** Commands per second per account (sliding one-second window). */
  rate: 50,
  lockSeconds: 60,
  /** Concurrently open HTTP connections per account. */
  sessions: 10,
  transferSeconds: 5,
  /** Idle lifetime of a persistent=1 session. */
  sessionTtlSeconds: 600,
  /** Longest registration period, and the furthest an expiration may lie ahead. */
  maxPeriodYears: 10,
  /** Entries kept by the command log (GET /_sim/log). */
  logLimit: 100_000,
});

/** The owner of names registered by other accounts: not a login anyone can use. */
export const OTHER_ACCOUNTS = '#others';

/** The default contact handles of an account: DEMO-OWNER ... for demo, LOGIN-OWNER ... for others. */
export function defaultContactHandles(login: string): ContactHandles {
  if (login === SIM_DEFAULTS.login) return SIM_DEFAULTS.contacts;
  const base = login.toUpperCase().replace(/[^A-Z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'ACCOUNT';
  return { owner: `${base}-OWNER`, admin: `${base}-ADMIN`, tech: `${base}-TECH`, billing: `${base}-BILLING` };
}
