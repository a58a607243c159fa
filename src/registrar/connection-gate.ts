// Permits for connections to the registrar. The registrar counts open
// connections per account (about five; more are refused with 521), so a
// connection may only be opened under a permit and its permit is only given
// back once it is closed.

export interface ConnectionGate {
  /** A permit for one more connection, or undefined when all are in use. */
  tryAcquire(): Promise<string | undefined>;
  release(permit: string): Promise<void>;
  /** Called when a permit is taken away (it expired): its connection must close at once. */
  onRevoke?(listener: (permit: string) => void): void;
}

/** Permits counted in this process only: enough for a single process per account. */
export class LocalConnectionGate implements ConnectionGate {
  private inUse = 0;
  private seq = 0;

  constructor(private readonly max: number) {}

  async tryAcquire(): Promise<string | undefined> {
    if (this.inUse >= this.max) return undefined;
    this.inUse++;
    return `local-${++this.seq}`;
  }

  async release(): Promise<void> {
    if (this.inUse > 0) this.inUse--;
  }
}
