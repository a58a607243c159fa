// Logins and persistent sessions. A login may carry a role (`demo:role` in the
// CentralNic flavour, `demo!role` in HEXONET's): it acts for the login's account.
import { randomBytes } from 'node:crypto';
import type { DecodedRequest } from '../registrar/request.ts';
import type { SimClock } from './clock.ts';
import type { AccountRecord } from './state.ts';

export interface Session {
  readonly id: string;
  readonly login: string;
  expires: number;
}

/** `demo:role` / `demo!role` -> `demo`. */
export function accountLogin(login: string): string {
  const cut = login.search(/[:!]/);
  return cut < 0 ? login : login.slice(0, cut);
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: SimClock,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  open(login: string): Session {
    const now = this.clock.now();
    if (this.sessions.size > 10_000) this.sweep(now);
    const session: Session = { id: randomBytes(16).toString('hex'), login, expires: now + this.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session's login, extending its idle lifetime; undefined when unknown or expired. */
  resolve(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.clock.now();
    if (session.expires <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expires = now + this.ttlMs;
    return session;
  }

  close(id: string): boolean {
    return this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id);
  }
}

export interface Authenticated {
  readonly account: AccountRecord;
  readonly session?: Session;
}

/**
 * The account a request acts for: by session id, or by login and password.
 * undefined means 530. Passwords are compared, never stored elsewhere or logged.
 */
export function authenticate(
  request: DecodedRequest,
  sessions: SessionStore,
  accountOf: (login: string) => AccountRecord | undefined,
): Authenticated | undefined {
  if (request.sessionId !== undefined) {
    const session = sessions.resolve(request.sessionId);
    const account = session ? accountOf(session.login) : undefined;
    return session && account ? { account, session } : undefined;
  }
  if (request.login === undefined || request.password === undefined) return undefined;
  const account = accountOf(accountLogin(request.login));
  if (!account || account.password !== request.password) return undefined;
  return { account };
}
