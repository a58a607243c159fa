// /api/call.cgi: one request -> one reply, always HTTP 200 text/plain in the
// registrar's format. The order of checks is the contract with the tests:
// decode (507) -> session login/logout -> authenticate (530) -> connection cap
// (521) -> abuse lock and rate (422) -> injected temporary failure (420/421/423,
// before any effect) -> latency -> the command -> reply, or drop (the effect
// has happened, the connection is destroyed without a reply).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { serializeReply } from '../registrar/reply.ts';
import { decodeRequest, type Command, type DecodedRequest } from '../registrar/request.ts';
import type { AccountLimits } from './account-limits.ts';
import { answer, type Answer } from './answer.ts';
import { wireDate, type SimClock } from './clock.ts';
import { canonicalCommand, executeCommand } from './command-table.ts';
import { echo } from './domain-name.ts';
import type { Fault, FaultPlan } from './faults.ts';
import type { Registry } from './registry.ts';
import { authenticate, type Authenticated, type SessionStore } from './sessions.ts';
import type { CommandLog, SimStats } from './sim-stats.ts';
import type { AccountRecord } from './state.ts';

export interface ApiDeps {
  readonly registry: Registry;
  readonly clock: SimClock;
  readonly sessions: SessionStore;
  readonly limits: AccountLimits;
  readonly faults: FaultPlan;
  readonly stats: SimStats;
  readonly log: CommandLog;
  /** Latency timers still waiting, cleared on close. */
  readonly timers: Set<NodeJS.Timeout>;
  readonly onError: (err: Error) => void;
}

const CONTENT_TYPE = 'text/plain; charset=UTF-8';
const UNAUTHENTICATED = '(unauthenticated)';
/** Wall-clock milliseconds with sub-millisecond resolution, for the command log. */
const wallNow = (): number => performance.timeOrigin + performance.now();

interface Pending {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly account: AccountRecord;
  readonly command: string;
  readonly cmd: Command;
  readonly fault: Fault;
  readonly start: number;
}

export class ApiHandler {
  private readonly socketAccount = new WeakMap<Socket, string>();

  constructor(private readonly d: ApiDeps) {}

  /** `body` undefined: the request was too large to read. */
  handle(req: IncomingMessage, res: ServerResponse, body: string | undefined): void {
    const start = wallNow();
    const decoded = body === undefined ? { ok: false as const, message: 'request too large' } : decodeRequest(body);
    if (!decoded.ok) return this.finish(res, '(invalid)', undefined, UNAUTHENTICATED, start, answer(507, echo(decoded.message, 80)), false);
    const request = decoded.request;
    const cmd = request.command;
    const raw = cmd.COMMAND?.trim();
    const auth = authenticate(request, this.d.sessions, (login) => this.d.registry.account(login));
    if ((raw === undefined || raw === '') && request.persistent) return this.login(res, auth, start);
    if (raw !== undefined && raw.toLowerCase() === 'stopsession') return this.logout(res, request, auth, start);
    const command = raw === undefined || raw === '' ? '(none)' : (canonicalCommand(raw) ?? '(unknown)');
    const domain = cmd.DOMAIN?.trim().toLowerCase();
    if (!auth) return this.finish(res, command, domain, UNAUTHENTICATED, start, answer(530), false);
    const login = auth.account.login;
    if (!this.bindConnection(req.socket, login)) {
      this.d.stats.sessionRejections++;
      return this.finish(res, command, domain, login, start, answer(521), true);
    }
    const admission = this.d.limits.admit(login, this.d.clock.now());
    if (admission !== 'ok') {
      if (admission === 'lock-triggered') this.d.stats.locks++;
      this.d.stats.rateLimited++;
      return this.finish(res, command, domain, login, start, answer(422), false);
    }
    const pending: Pending = { req, res, account: auth.account, command, cmd, fault: this.d.faults.next(), start };
    const latency = this.d.faults.settings.latencyMs;
    if (latency <= 0) return this.run(pending);
    const timer = setTimeout(() => {
      this.d.timers.delete(timer);
      this.run(pending);
    }, latency);
    this.d.timers.add(timer);
  }

  private run(p: Pending): void {
    const domain = p.cmd.DOMAIN?.trim().toLowerCase();
    let reply: Answer;
    if (p.fault.tempFail !== undefined) {
      this.d.stats.tempFailures++;
      reply = answer(p.fault.tempFail);
    } else {
      try {
        reply = executeCommand({ registry: this.d.registry, account: p.account, now: this.d.clock.now() }, p.cmd);
      } catch (err) {
        // A bug in a handler must not take the server down; the client sees a temporary error.
        this.d.onError(err instanceof Error ? err : new Error(String(err)));
        reply = answer(421, 'internal error');
      }
    }
    if (p.fault.drop) {
      const end = wallNow();
      this.d.stats.count(p.command, reply.code, true);
      this.d.log.push({ seq: this.d.log.nextSeq(), command: p.command, domain, code: reply.code, account: p.account.login, start: p.start, end, dropped: true });
      p.req.socket.destroy();
      return;
    }
    this.finish(p.res, p.command, domain, p.account.login, p.start, reply, reply.code === 420);
  }

  /**
   * A request whose head is too large for the HTTP parser (a GET with a huge query): it never
   * reaches handle(), and Node would answer HTTP 431, which a client takes for a transport
   * failure (an unknown outcome). The registrar's answer instead: 200 with 507, counted and logged.
   */
  refuseOversizedHead(socket: Socket): void {
    const start = wallNow();
    const reply = answer(507, 'request too large');
    const text = serializeReply({ ...reply, runtime: 0 });
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: ${CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    this.d.stats.count('(invalid)', reply.code, false);
    this.d.log.push({ seq: this.d.log.nextSeq(), command: '(invalid)', domain: undefined, code: reply.code, account: UNAUTHENTICATED, start, end: wallNow() });
  }

  /** Count, log and send a command's reply. */
  private finish(res: ServerResponse, command: string, domain: string | undefined, account: string, start: number, reply: Answer, close: boolean): void {
    this.d.stats.count(command, reply.code, false);
    this.send(res, reply, start, close);
    this.d.log.push({ seq: this.d.log.nextSeq(), command, domain, code: reply.code, account, start, end: wallNow() });
  }

  private send(res: ServerResponse, reply: Answer, start: number, close: boolean): void {
    const text = serializeReply({ ...reply, runtime: (wallNow() - start) / 1000 });
    const headers: Record<string, string | number> = { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) };
    if (close) headers.connection = 'close';
    res.writeHead(200, headers);
    res.end(text);
  }

  /** A connection counts against the cap of the first account that uses it, until it closes. */
  private bindConnection(socket: Socket, login: string): boolean {
    if (this.socketAccount.has(socket)) return true;
    if (!this.d.limits.openConnection(login)) return false;
    this.socketAccount.set(socket, login);
    socket.once('close', () => this.d.limits.closeConnection(login));
    return true;
  }

  private login(res: ServerResponse, auth: Authenticated | undefined, start: number): void {
    if (!auth) {
      this.d.stats.loginFailures++;
      return this.send(res, answer(530), start, false);
    }
    const session = auth.session ?? this.d.sessions.open(auth.account.login);
    this.d.stats.logins++;
    this.send(res, answer(200, undefined, { 'expiration date': wireDate(session.expires), sessionid: session.id }), start, false);
  }

  private logout(res: ServerResponse, request: DecodedRequest, auth: Authenticated | undefined, start: number): void {
    if (!auth) return this.send(res, answer(530), start, false);
    if (auth.session && request.sessionId !== undefined) this.d.sessions.close(request.sessionId);
    this.d.stats.logouts++;
    this.send(res, answer(200), start, false);
  }
}
