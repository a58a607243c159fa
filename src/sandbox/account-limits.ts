// The realities that hurt, per account: a commands-per-second limit over a
// sliding one-second window whose breach locks the account (422) for
// --lock-seconds, and a cap on concurrently open HTTP connections (521).
//
// Why connections, not in-flight requests: a registrar's "session" is a
// connection it keeps open for the client, and a keep-alive pool holds its
// connections while idle. An in-flight count would almost never exceed one on
// a fast sim and so would never show the cap the engine must respect.

export type Admission = 'ok' | 'locked' | 'lock-triggered';

interface AccountWindow {
  /** Times of the last `rate` admitted commands, as a ring. */
  times: Float64Array;
  pos: number;
  lockedUntil: number;
  connections: number;
}

export interface LimitSettings {
  rate: number;
  lockMs: number;
  maxConnections: number;
}

export class AccountLimits {
  private readonly accounts = new Map<string, AccountWindow>();

  constructor(private settings: LimitSettings) {}

  private windowOf(login: string): AccountWindow {
    let w = this.accounts.get(login);
    if (!w) {
      w = { times: new Float64Array(this.settings.rate).fill(-Infinity), pos: 0, lockedUntil: -Infinity, connections: 0 };
      this.accounts.set(login, w);
    }
    return w;
  }

  /** Count one command at `now` (sim clock): refused while locked, and the one that breaks the rate locks the account. */
  admit(login: string, now: number): Admission {
    const w = this.windowOf(login);
    if (now < w.lockedUntil) return 'locked';
    // The slot holds the command `rate` commands ago: inside the last second means this one is one too many.
    if ((w.times[w.pos] ?? -Infinity) > now - 1000) {
      w.lockedUntil = now + this.settings.lockMs;
      w.times.fill(-Infinity);
      return 'lock-triggered';
    }
    w.times[w.pos] = now;
    w.pos = (w.pos + 1) % w.times.length;
    return 'ok';
  }

  lockedUntil(login: string): number | undefined {
    const until = this.accounts.get(login)?.lockedUntil;
    return until !== undefined && Number.isFinite(until) ? until : undefined;
  }

  /** Count a newly used connection for the account; false when the cap is reached (521). */
  openConnection(login: string): boolean {
    const w = this.windowOf(login);
    if (w.connections >= this.settings.maxConnections) return false;
    w.connections++;
    return true;
  }

  closeConnection(login: string): void {
    const w = this.accounts.get(login);
    if (w && w.connections > 0) w.connections--;
  }

  connections(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [login, w] of this.accounts) if (w.connections > 0) out[login] = w.connections;
    return out;
  }

  /** Forget windows and locks; open connections are real sockets and stay counted. */
  reset(settings: LimitSettings = this.settings): void {
    this.settings = settings;
    for (const [login, w] of this.accounts) {
      if (w.connections === 0) this.accounts.delete(login);
      else this.accounts.set(login, { times: new Float64Array(settings.rate).fill(-Infinity), pos: 0, lockedUntil: -Infinity, connections: w.connections });
    }
  }
}
