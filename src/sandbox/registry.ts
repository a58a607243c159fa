// The registry's mechanics shared by the command handlers: ownership, credit,
// effect counts, and transfers, which complete lazily against the sim clock
// (every command first settles the transfers that are due; no timers).
import { addYears, type SimClock } from './clock.ts';
import { SIM_DEFAULTS, type Prices } from './defaults.ts';
import {
  createInitialState,
  emptyEffects,
  newAuthCode,
  type AccountRecord,
  type DomainRecord,
  type EffectCounts,
  type InitialStateSpec,
  type RegistryState,
  type TransferRecord,
  type TransferStatus,
} from './state.ts';

export interface RegistrySettings {
  readonly prices: Prices;
  /** How long a requested transfer waits for the losing side before it is approved. */
  transferMs: number;
}

export type EffectKind = keyof EffectCounts;

export class Registry {
  state: RegistryState;
  /** Pending transfers, and the earliest instant one of them falls due. */
  private pending: TransferRecord[] = [];
  private nextDue = Infinity;

  constructor(
    readonly clock: SimClock,
    readonly settings: RegistrySettings,
    private readonly initial: InitialStateSpec,
    /** Called after every change of state (the state file schedules a save). */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.state = createInitialState(initial, clock.now());
  }

  /** Back to the initial state (the clock is the caller's to reset). */
  reset(): void {
    this.replace(createInitialState(this.initial, this.clock.now()));
  }

  /** Take over a state (loaded from the state file, or a fresh one). */
  replace(state: RegistryState): void {
    this.state = state;
    this.pending = [];
    for (const records of state.transfers.values()) for (const r of records) if (r.status === 'pending') this.pending.push(r);
    this.nextDue = this.pending.reduce((min, r) => Math.min(min, r.due), Infinity);
    this.changed();
  }

  changed(): void {
    this.onChange();
  }

  account(login: string): AccountRecord | undefined {
    return this.state.accounts.get(login);
  }

  domain(name: string): DomainRecord | undefined {
    return this.state.domains.get(name);
  }

  /** The domain when `login` holds it; undefined when nobody does or another account does. */
  owned(name: string, login: string): DomainRecord | undefined {
    const d = this.state.domains.get(name);
    return d && d.owner === login ? d : undefined;
  }

  countEffect(name: string, kind: EffectKind): void {
    let counts = this.state.effects.get(name);
    if (!counts) this.state.effects.set(name, (counts = emptyEffects()));
    counts[kind]++;
  }

  /** Take `amount` from the account's credit; false (and nothing taken) when it does not cover it. */
  charge(account: AccountRecord, amount: number): boolean {
    if (account.credit < amount) return false;
    account.credit = Math.round((account.credit - amount) * 100) / 100;
    return true;
  }

  refund(login: string, amount: number): void {
    const account = this.state.accounts.get(login);
    if (account && amount > 0) account.credit = Math.round((account.credit + amount) * 100) / 100;
  }

  /** The furthest an expiration may lie ahead of now. */
  horizon(now: number): number {
    return addYears(now, SIM_DEFAULTS.maxPeriodYears);
  }

  transfersOf(name: string): readonly TransferRecord[] {
    return this.state.transfers.get(name) ?? [];
  }

  pendingTransfer(name: string): TransferRecord | undefined {
    const records = this.state.transfers.get(name);
    const last = records?.[records.length - 1];
    return last?.status === 'pending' ? last : undefined;
  }

  /** The latest transfer of the name that `login` asked for or was asked to give up. */
  lastTransferOf(name: string, login: string): TransferRecord | undefined {
    const records = this.state.transfers.get(name) ?? [];
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i];
      if (r && (r.gaining === login || r.losing === login)) return r;
    }
    return undefined;
  }

  startTransfer(domain: DomainRecord, gaining: string, period: number, charged: number, now: number): TransferRecord {
    const record: TransferRecord = {
      id: this.state.nextTransfer++,
      domain: domain.name,
      gaining,
      losing: domain.owner,
      period,
      requested: now,
      due: now + this.settings.transferMs,
      charged,
      status: 'pending',
    };
    let records = this.state.transfers.get(domain.name);
    if (!records) this.state.transfers.set(domain.name, (records = []));
    records.push(record);
    this.pending.push(record);
    this.nextDue = Math.min(this.nextDue, record.due);
    this.changed();
    return record;
  }

  /** End a pending transfer: approved moves the domain to the gaining account, anything else refunds it. */
  finishTransfer(record: TransferRecord, status: Exclude<TransferStatus, 'pending'>, now: number): void {
    if (record.status !== 'pending') return;
    record.status = status;
    record.finished = now;
    this.pending = this.pending.filter((r) => r !== record);
    this.nextDue = this.pending.reduce((min, r) => Math.min(min, r.due), Infinity);
    const domain = this.state.domains.get(record.domain);
    const approved = status === 'clientApproved' || status === 'serverApproved';
    if (approved && domain && domain.owner === record.losing) {
      const gaining = this.state.accounts.get(record.gaining);
      domain.owner = record.gaining;
      // A transfer adds its period, but never beyond the ten-year horizon.
      domain.expires = Math.min(addYears(domain.expires, record.period), this.horizon(now));
      domain.updated = now;
      domain.auth = newAuthCode();
      domain.status = ['ACTIVE'];
      if (gaining) {
        domain.contacts = gaining.contacts;
        delete domain.admins;
      }
      this.countEffect(domain.name, 'transferred');
    } else {
      this.refund(record.gaining, record.charged);
    }
    this.changed();
  }

  /** Whether the losing side of a transfer of `name` denies it. */
  deniesTransfer(name: string): boolean {
    return this.state.denyTransfers.has(name) || name.startsWith(SIM_DEFAULTS.denyTransferPrefix);
  }

  /** Complete every transfer that is due: cheap when none is (one comparison). */
  settleDue(now: number): void {
    if (now < this.nextDue) return;
    for (const record of [...this.pending]) {
      if (record.due <= now) this.finishTransfer(record, this.deniesTransfer(record.domain) ? 'clientRejected' : 'serverApproved', record.due);
    }
  }
}
