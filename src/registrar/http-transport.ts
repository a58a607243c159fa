// HTTP transport to the registrar: keep-alive connections, a timeout per
// request, a cap on connections, and every failure turned into an uncertain
// outcome. POST is never retried here: a command that may have taken effect is
// the machine's to reconcile, not the transport's to repeat.
//
// Each connection is an undici Client held under a permit from a
// ConnectionGate. The default gate counts this process's connections; the
// engine gives one backed by Redis, so that all processes of an account stay
// under the registrar's connection limit together.
import { Client } from 'undici';
import { classify, CONNECTION_CLOSING_CODES } from '../codes.ts';
import { LocalConnectionGate, type ConnectionGate } from './connection-gate.ts';
import { maskText, safeUrl } from './mask.ts';
import { replyOutcome, uncertainOutcome, type Outcome, type UncertainReason } from './outcome.ts';
import { MAX_REPLY_BYTES, parseReply } from './reply.ts';

export interface HttpTransportOptions {
  /** e.g. http://127.0.0.1:8765/api/call.cgi */
  readonly url: string;
  /** Whole-request timeout, connect to last byte. */
  readonly timeoutMs?: number;
  /** Connections this process may open (the gate may allow fewer). */
  readonly maxConnections?: number;
  /** Permits for connections, shared by every process of the account; default: this process only. */
  readonly gate?: ConnectionGate;
  /** A connection idle this long is closed and its permit given back. */
  readonly idleMs?: number;
}

/** When a command may leave, and when it is given up (Registrar.call). */
export interface CallOptions {
  /**
   * Send the command only until this time (ms since the epoch): past it, nothing is sent and the
   * outcome is `not_sent`. The engine gives a command half the time its job's lock is known to
   * last: a command that waited longer for a connection may no longer be its worker's.
   */
  readonly sendBy?: number;
  /**
   * Give the request up at this time (ms since the epoch): the connection is destroyed, so that
   * nothing of it reaches the registrar later (the outcome is uncertain, `timeout`). The engine
   * gives the time before which no other worker can take the job over.
   */
  readonly abandonBy?: number;
}

export interface Transport {
  /**
   * Post a form body; `secrets` are masked from any detail the outcome carries. With `sendBy`,
   * nothing is sent once that time is past (the outcome is `not_sent`); with `abandonBy`, the
   * request is given up at that time (see CallOptions).
   */
  post(body: string, secrets: readonly (string | undefined)[], times?: CallOptions): Promise<Outcome>;
  close(): Promise<void>;
}

/** How long a connection beyond the first may stay idle. */
const EXTRA_IDLE_MS = 100;

interface Connection {
  readonly permit: string;
  readonly client: Client;
  busy: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

function reasonOf(err: unknown): UncertainReason {
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || /TIMEOUT/i.test(code)) return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'connection_reset';
  return 'network_error';
}

export class HttpTransport implements Transport {
  private readonly origin: string;
  private readonly path: string;
  private readonly timeoutMs: number;
  private readonly maxConnections: number;
  private readonly idleMs: number;
  private readonly gate: ConnectionGate;
  private readonly connections = new Set<Connection>();
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(options: HttpTransportOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`registrar URL must be http or https: ${safeUrl(options.url)}`);
    this.origin = url.origin;
    this.path = url.pathname + url.search;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxConnections = options.maxConnections ?? 4;
    this.idleMs = options.idleMs ?? 5_000;
    this.gate = options.gate ?? new LocalConnectionGate(this.maxConnections);
    this.gate.onRevoke?.((permit) => {
      for (const c of this.connections) if (c.permit === permit) void this.drop(c);
    });
  }

  private wake(): void {
    this.waiters.shift()?.();
  }

  /** An idle connection, a new one under a fresh permit, or wait for either. */
  private async take(signal: AbortSignal): Promise<Connection> {
    for (;;) {
      if (signal.aborted) throw Object.assign(new Error('timed out waiting for a connection'), { name: 'TimeoutError' });
      for (const c of this.connections) {
        if (!c.busy) {
          c.busy = true;
          clearTimeout(c.idleTimer);
          return c;
        }
      }
      if (this.connections.size < this.maxConnections) {
        const permit = await this.gate.tryAcquire();
        if (permit !== undefined) {
          const client = new Client(this.origin, {
            pipelining: 1,
            keepAliveTimeout: this.idleMs * 2,
            headersTimeout: this.timeoutMs,
            bodyTimeout: this.timeoutMs,
            connectTimeout: Math.min(this.timeoutMs, 10_000),
          });
          const c: Connection = { permit, client, busy: true, idleTimer: undefined };
          this.connections.add(c);
          return c;
        }
      }
      // Every permit is in use somewhere: wait for one of ours to free up, or poll the gate again.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 50);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(done);
      });
    }
  }

  private giveBack(c: Connection): void {
    c.busy = false;
    if (!this.connections.has(c)) return;
    // Keep one idle connection for the next command; give extra ones back soon, so that other
    // processes of the account (sharing the permits) are not starved by connections idling here.
    let idle = 0;
    for (const other of this.connections) if (!other.busy) idle++;
    c.idleTimer = setTimeout(() => void this.drop(c), idle > 1 ? EXTRA_IDLE_MS : this.idleMs);
    c.idleTimer.unref();
    this.wake();
  }

  /** Close a connection and only then hand its permit back, so the registrar never sees one too many. */
  private async drop(c: Connection): Promise<void> {
    if (!this.connections.delete(c)) return;
    clearTimeout(c.idleTimer);
    await c.client.destroy().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    await this.gate.release(c.permit).catch(() => undefined);
    this.wake();
  }

  async post(body: string, secrets: readonly (string | undefined)[], times?: CallOptions): Promise<Outcome> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
    if (this.closed) return uncertainOutcome('network_error', 'transport is closed', 0);
    const sendBy = times?.sendBy;
    const abandonIn = times?.abandonBy === undefined ? Infinity : times.abandonBy - Date.now();
    const signal = AbortSignal.timeout(Math.max(0, Math.min(this.timeoutMs, abandonIn)));
    let connection: Connection | undefined;
    let text: string;
    let status: number;
    try {
      connection = await this.take(signal);
      if (sendBy !== undefined && Date.now() > sendBy) {
        this.giveBack(connection);
        return uncertainOutcome('not_sent', `not sent: a connection came ${Date.now() - sendBy} ms after the command's time to be sent was up`, elapsed());
      }
      const res = await connection.client.request({
        path: this.path,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/plain' },
        body,
        signal,
      });
      status = res.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_REPLY_BYTES) {
          res.body.destroy();
          void this.drop(connection);
          return uncertainOutcome('protocol_error', `reply body larger than ${MAX_REPLY_BYTES} bytes`, elapsed());
        }
        chunks.push(chunk as Buffer);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (connection) void this.drop(connection);
      // Given up while still waiting for a connection: nothing was sent.
      else if (sendBy !== undefined && Date.now() > sendBy) return uncertainOutcome('not_sent', `not sent: no connection came before the command's time to be sent was up`, elapsed());
      const reason = reasonOf(err);
      const message = err instanceof Error ? err.message : String(err);
      return uncertainOutcome(reason, maskText(`${reason.replace(/_/g, ' ')}: ${message}`, secrets), elapsed());
    }
    const parsed = status >= 200 && status <= 299 && text.trim() !== '' ? parseReply(text) : undefined;
    // The registrar closes the connection after these codes; so do we, and the next command opens a new one.
    if (parsed?.ok && CONNECTION_CLOSING_CODES.has(parsed.reply.code)) void this.drop(connection);
    else this.giveBack(connection);
    if (status < 200 || status > 299) return uncertainOutcome('http_status', `registrar answered HTTP ${status}`, elapsed());
    if (!parsed) return uncertainOutcome('empty_body', 'registrar answered with an empty body', elapsed());
    if (!parsed.ok) return uncertainOutcome('protocol_error', maskText(parsed.error.message, secrets), elapsed());
    if (!classify(parsed.reply.code).ok) {
      return uncertainOutcome('protocol_error', `reply code ${parsed.reply.code} is not a 2xx, 4xx or 5xx code`, elapsed());
    }
    return replyOutcome(parsed.reply, elapsed());
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.connections].map((c) => this.drop(c)));
  }
}
