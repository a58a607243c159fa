// The registrar client: one typed method per command the engine needs, over a
// Transport (HTTP by default). Optional session login (persistent=1) with a
// transparent re-login when the registrar says the session is gone (530 to a
// session request has no effect, so re-sending it is safe).
import type { ConnectionGate } from './connection-gate.ts';
import { HttpTransport, type CallOptions, type Transport } from './http-transport.ts';

export type { CallOptions } from './http-transport.ts';
import { silentLogger, type Logger } from './mask.ts';
import type { Outcome, ReplyOutcome } from './outcome.ts';
import * as read from './readers.ts';
import type { Reply } from './reply.ts';
import { encodeRequest, flattenCommand, maskCommand, SECRET_KEYS, type Command, type CommandInput, type RequestForm } from './request.ts';

export interface RegistrarClientOptions {
  readonly url: string;
  readonly login: string;
  readonly password: string;
  /** HEXONET flavour entity (54cd live, 1234 test); omitted for CentralNic Reseller. */
  readonly entity?: string;
  /** Log in once (persistent=1) and send s_sessionid instead of the password. */
  readonly session?: boolean;
  /** `s_command` block (as the official SDKs) or flat fields. */
  readonly form?: RequestForm;
  readonly timeoutMs?: number;
  readonly maxConnections?: number;
  /** Connection permits shared by every process of the account (default: this process only). */
  readonly connectionGate?: ConnectionGate;
  readonly logger?: Logger;
  /** Another transport (tests, an in-process registrar). */
  readonly transport?: Transport;
}

/** The port the machines' engine talks to. */
export interface Registrar {
  call(command: CommandInput, options?: CallOptions): Promise<Outcome>;
  close(): Promise<void>;
}

export interface ContactInput {
  readonly firstname: string;
  readonly lastname: string;
  readonly organization?: string;
  readonly street: string;
  readonly city: string;
  readonly zip: string;
  readonly country: string;
  readonly phone: string;
  readonly email: string;
}

export interface AddDomainInput {
  readonly domain: string;
  readonly period?: number;
  readonly ownerContact?: string;
  readonly adminContact?: string;
  readonly techContact?: string;
  readonly billingContact?: string;
  readonly nameservers?: readonly string[];
  readonly auth?: string;
  readonly transferLock?: boolean;
}

export interface TransferDomainInput {
  readonly domain: string;
  readonly action?: 'REQUEST' | 'APPROVE' | 'DENY' | 'CANCEL';
  readonly auth?: string;
  readonly period?: number;
}

function withData<T>(outcome: Outcome, reader: (reply: Reply) => T): Outcome<T> {
  if (outcome.kind !== 'reply' || outcome.class !== 'success') return outcome as Outcome<T>;
  return { ...outcome, data: reader(outcome.reply) } as ReplyOutcome<T>;
}

export class RegistrarClient implements Registrar {
  private readonly transport: Transport;
  private readonly logger: Logger;
  private sessionId: string | undefined;
  private loginInFlight: Promise<Outcome> | undefined;

  constructor(private readonly options: RegistrarClientOptions) {
    this.transport =
      options.transport ??
      new HttpTransport({
        url: options.url,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
        ...(options.connectionGate ? { gate: options.connectionGate } : {}),
      });
    this.logger = options.logger ?? silentLogger;
  }

  private secretsOf(command: Command): (string | undefined)[] {
    const secrets: (string | undefined)[] = [this.options.password, this.sessionId];
    for (const [k, v] of Object.entries(command)) if (SECRET_KEYS.has(k)) secrets.push(v);
    return secrets;
  }

  private async send(command: Command, options?: CallOptions): Promise<Outcome> {
    const creds = this.sessionId
      ? { sessionId: this.sessionId, ...(this.options.entity ? { entity: this.options.entity } : {}) }
      : { login: this.options.login, password: this.options.password, ...(this.options.entity ? { entity: this.options.entity } : {}) };
    return this.transport.post(encodeRequest(creds, command, this.options.form ?? 's_command'), this.secretsOf(command), options);
  }

  /** Log in (persistent=1); concurrent callers share one login. */
  private login(): Promise<Outcome> {
    this.loginInFlight ??= (async () => {
      const body = encodeRequest(
        { login: this.options.login, password: this.options.password, ...(this.options.entity ? { entity: this.options.entity } : {}) },
        null,
        's_command',
        { persistent: '1' },
      );
      const outcome = await this.transport.post(body, [this.options.password]);
      if (outcome.kind === 'reply' && outcome.class === 'success') {
        this.sessionId = read.readSession(outcome.reply).sessionId;
      }
      this.logger.debug({ command: 'login', code: outcome.code, ms: outcome.ms }, 'registrar session login');
      return outcome;
    })().finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  async call(input: CommandInput, options?: CallOptions): Promise<Outcome> {
    const command = flattenCommand(input);
    if (this.options.session && !this.sessionId) {
      const login = await this.login();
      if (login.kind !== 'reply' || login.class !== 'success' || !this.sessionId) return login;
    }
    let outcome = await this.send(command, options);
    if (this.options.session && outcome.kind === 'reply' && outcome.code === 530) {
      // The session expired (or the command's own credentials are wrong): log in again and re-send once.
      this.sessionId = undefined;
      const login = await this.login();
      if (login.kind !== 'reply' || login.class !== 'success' || !this.sessionId) return login;
      outcome = await this.send(command, options);
    }
    if (outcome.kind === 'reply' && [520, 521].includes(outcome.code)) this.sessionId = undefined;
    const masked = maskCommand(command);
    if (outcome.kind === 'uncertain') {
      this.logger.warn({ command: masked, code: outcome.code, reason: outcome.reason, detail: outcome.detail, ms: outcome.ms }, 'registrar outcome uncertain');
    } else {
      this.logger.debug({ command: masked, code: outcome.code, description: outcome.description, ms: outcome.ms }, 'registrar reply');
    }
    return outcome;
  }

  /** Log out of the session, if one is open. */
  async stopSession(): Promise<Outcome | undefined> {
    if (!this.sessionId) return undefined;
    const outcome = await this.send({ COMMAND: 'StopSession' });
    this.sessionId = undefined;
    return outcome;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  checkDomain(domain: string): Promise<Outcome<read.CheckData>> {
    return this.call({ COMMAND: 'CheckDomain', DOMAIN: domain }).then((o) => withData(o, read.readCheck));
  }

  /** Up to 32 names a call. */
  checkDomains(domains: readonly string[]): Promise<Outcome<read.DomainCheckResult[]>> {
    if (domains.length === 0 || domains.length > 32) throw new RangeError(`checkDomains takes 1 to 32 names, got ${domains.length}`);
    return this.call({ COMMAND: 'CheckDomains', DOMAIN: domains }).then((o) => withData(o, (r) => read.readCheckDomains(r, domains)));
  }

  addDomain(input: AddDomainInput): Promise<Outcome<read.AddDomainData>> {
    return this.call({
      COMMAND: 'AddDomain',
      DOMAIN: input.domain,
      PERIOD: input.period,
      OWNERCONTACT0: input.ownerContact,
      ADMINCONTACT0: input.adminContact,
      TECHCONTACT0: input.techContact,
      BILLINGCONTACT0: input.billingContact,
      NAMESERVER: input.nameservers,
      AUTH: input.auth,
      TRANSFERLOCK: input.transferLock === undefined ? undefined : input.transferLock ? 1 : 0,
    }).then((o) => withData(o, read.readAddDomain));
  }

  /** `expiration` is the current expiration year: the registrar's guard against renewing twice. */
  renewDomain(domain: string, period: number, expiration: number | string): Promise<Outcome<read.RenewDomainData>> {
    return this.call({ COMMAND: 'RenewDomain', DOMAIN: domain, PERIOD: period, EXPIRATION: expiration }).then((o) => withData(o, read.readRenewDomain));
  }

  transferDomain(input: TransferDomainInput): Promise<Outcome<read.TransferData>> {
    return this.call({ COMMAND: 'TransferDomain', DOMAIN: input.domain, ACTION: input.action ?? 'REQUEST', AUTH: input.auth, PERIOD: input.period }).then((o) =>
      withData(o, read.readTransfer),
    );
  }

  checkDomainTransfer(domain: string): Promise<Outcome<read.CheckData>> {
    return this.call({ COMMAND: 'CheckDomainTransfer', DOMAIN: domain }).then((o) => withData(o, read.readCheck));
  }

  statusDomainTransfer(domain: string): Promise<Outcome<read.TransferData>> {
    return this.call({ COMMAND: 'StatusDomainTransfer', DOMAIN: domain }).then((o) => withData(o, read.readTransfer));
  }

  statusDomain(domain: string): Promise<Outcome<read.StatusDomainData>> {
    return this.call({ COMMAND: 'StatusDomain', DOMAIN: domain }).then((o) => withData(o, read.readStatusDomain));
  }

  deleteDomain(domain: string, action = 'INSTANT'): Promise<Outcome<read.DeleteDomainData>> {
    return this.call({ COMMAND: 'DeleteDomain', DOMAIN: domain, ACTION: action }).then((o) => withData(o, read.readDeleteDomain));
  }

  addContact(contact: ContactInput): Promise<Outcome<read.ContactData>> {
    return this.call({
      COMMAND: 'AddContact',
      FIRSTNAME: contact.firstname,
      LASTNAME: contact.lastname,
      ORGANIZATION: contact.organization,
      STREET0: contact.street,
      CITY: contact.city,
      ZIP: contact.zip,
      COUNTRY: contact.country,
      PHONE: contact.phone,
      EMAIL: contact.email,
    }).then((o) => withData(o, read.readContact));
  }

  statusContact(handle: string): Promise<Outcome<read.ContactData>> {
    return this.call({ COMMAND: 'StatusContact', CONTACT: handle }).then((o) => withData(o, read.readContact));
  }

  checkContact(handle: string): Promise<Outcome<read.CheckData>> {
    return this.call({ COMMAND: 'CheckContact', CONTACT: handle }).then((o) => withData(o, read.readCheck));
  }

  checkNameserver(nameserver: string): Promise<Outcome<read.CheckData>> {
    return this.call({ COMMAND: 'CheckNameserver', NAMESERVER: nameserver }).then((o) => withData(o, read.readCheck));
  }

  addNameserver(nameserver: string, ipAddresses: readonly string[] = []): Promise<Outcome<unknown>> {
    return this.call({ COMMAND: 'AddNameserver', NAMESERVER: nameserver, IPADDRESS: ipAddresses });
  }

  queryDomainList(options: { first?: number; limit?: number; pattern?: string } = {}): Promise<Outcome<read.QueryDomainListData>> {
    return this.call({ COMMAND: 'QueryDomainList', FIRST: options.first, LIMIT: options.limit, DOMAIN: options.pattern }).then((o) =>
      withData(o, read.readQueryDomainList),
    );
  }
}

