// What the simulator counts (GET /_sim/stats) and the command log (GET /_sim/log)
// that lets a test prove that two operations on one domain never overlapped.

export interface LogEntry {
  readonly seq: number;
  readonly command: string;
  readonly domain?: string;
  readonly code: number;
  readonly account: string;
  /** Wall-clock milliseconds (fractional) when the request arrived and when it was answered or dropped. */
  readonly start: number;
  readonly end: number;
  readonly dropped?: boolean;
}

export class SimStats {
  commands = 0;
  byCode: Record<string, number> = {};
  byCommand: Record<string, number> = {};
  /** Times the abuse lock was triggered. */
  locks = 0;
  /** Commands answered 422 (the one that triggered the lock and every one during it). */
  rateLimited = 0;
  tempFailures = 0;
  /** Commands that took effect but whose reply was dropped (not in byCode). */
  dropped = 0;
  /** Commands refused with 521 (connection cap). */
  sessionRejections = 0;
  logins = 0;
  loginFailures = 0;
  logouts = 0;

  /** One command answered (or dropped) with `code`. */
  count(command: string, code: number, dropped: boolean): void {
    this.commands++;
    this.byCommand[command] = (this.byCommand[command] ?? 0) + 1;
    if (dropped) this.dropped++;
    else this.byCode[code] = (this.byCode[code] ?? 0) + 1;
  }

  reset(): void {
    Object.assign(this, new SimStats());
  }

  toJSON(): Record<string, unknown> {
    return {
      commands: this.commands,
      byCode: this.byCode,
      byCommand: this.byCommand,
      locks: this.locks,
      rateLimited: this.rateLimited,
      tempFailures: this.tempFailures,
      dropped: this.dropped,
      sessionRejections: this.sessionRejections,
      logins: this.logins,
      loginFailures: this.loginFailures,
      logouts: this.logouts,
    };
  }
}

/** The last `limit` commands, oldest first. */
export class CommandLog {
  private entries: LogEntry[] = [];
  private seq = 0;

  constructor(private readonly limit: number) {}

  nextSeq(): number {
    return ++this.seq;
  }

  push(entry: LogEntry): void {
    if (this.limit <= 0) return;
    this.entries.push(entry);
    // Trim in chunks so the hot path does not shift the array on every command.
    if (this.entries.length > this.limit * 1.25) this.entries = this.entries.slice(this.entries.length - this.limit);
  }

  list(filter: { since?: number; domain?: string; account?: string } = {}): LogEntry[] {
    const start = this.entries.length > this.limit ? this.entries.length - this.limit : 0;
    const out: LogEntry[] = [];
    for (let i = start; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (!e) continue;
      if (filter.since !== undefined && e.seq <= filter.since) continue;
      if (filter.domain !== undefined && e.domain !== filter.domain) continue;
      if (filter.account !== undefined && e.account !== filter.account) continue;
      out.push(e);
    }
    return out;
  }

  reset(): void {
    this.entries = [];
    this.seq = 0;
  }
}
