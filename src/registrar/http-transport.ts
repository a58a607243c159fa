// HTTP transport to the registrar: keep-alive connections capped per account,
// a timeout per request, and every failure turned into an uncertain outcome.
// POST is never retried here: a command that may have taken effect is the
// machine's to reconcile, not the transport's to repeat.
import { Pool } from 'undici';
import { classify, CONNECTION_CLOSING_CODES } from '../codes.ts';
import { maskText, safeUrl } from './mask.ts';
import { replyOutcome, uncertainOutcome, type Outcome, type UncertainReason } from './outcome.ts';
import { MAX_REPLY_BYTES, parseReply } from './reply.ts';

export interface HttpTransportOptions {
  /** e.g. http://127.0.0.1:8765/api/call.cgi */
  readonly url: string;
  /** Whole-request timeout, connect to last byte. */
  readonly timeoutMs?: number;
  /** Concurrent connections to the registrar for this account (the registrar allows about five). */
  readonly maxConnections?: number;
}

export interface Transport {
  /** Post a form body; `secrets` are masked from any detail the outcome carries. */
  post(body: string, secrets: readonly (string | undefined)[]): Promise<Outcome>;
  close(): Promise<void>;
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
  private pool: Pool;
  private readonly origin: string;
  private readonly path: string;
  private readonly timeoutMs: number;
  private readonly maxConnections: number;

  constructor(options: HttpTransportOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`registrar URL must be http or https: ${safeUrl(options.url)}`);
    this.origin = url.origin;
    this.path = url.pathname + url.search;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxConnections = options.maxConnections ?? 4;
    this.pool = this.newPool();
  }

  private newPool(): Pool {
    return new Pool(this.origin, {
      connections: this.maxConnections,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connectTimeout: Math.min(this.timeoutMs, 10_000),
    });
  }

  /** Close every connection: the registrar said it is closing ours (220/420/520/521). */
  private recycle(): void {
    const old = this.pool;
    this.pool = this.newPool();
    old.close().catch(() => undefined);
  }

  async post(body: string, secrets: readonly (string | undefined)[]): Promise<Outcome> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
    let text: string;
    let status: number;
    try {
      const res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/plain' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_REPLY_BYTES) {
          res.body.destroy();
          return uncertainOutcome('protocol_error', `reply body larger than ${MAX_REPLY_BYTES} bytes`, elapsed());
        }
        chunks.push(chunk as Buffer);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      const reason = reasonOf(err);
      const message = err instanceof Error ? err.message : String(err);
      return uncertainOutcome(reason, maskText(`${reason.replace(/_/g, ' ')}: ${message}`, secrets), elapsed());
    }
    if (status < 200 || status > 299) {
      return uncertainOutcome('http_status', `registrar answered HTTP ${status}`, elapsed());
    }
    if (text.trim() === '') return uncertainOutcome('empty_body', 'registrar answered with an empty body', elapsed());
    const parsed = parseReply(text);
    if (!parsed.ok) return uncertainOutcome('protocol_error', maskText(parsed.error.message, secrets), elapsed());
    if (!classify(parsed.reply.code).ok) {
      return uncertainOutcome('protocol_error', `reply code ${parsed.reply.code} is not a 2xx, 4xx or 5xx code`, elapsed());
    }
    if (CONNECTION_CLOSING_CODES.has(parsed.reply.code)) this.recycle();
    return replyOutcome(parsed.reply, elapsed());
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
