// The registrar client against a small local HTTP server that answers however a test tells it to.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RegistrarClient, type RegistrarClientOptions } from '../../src/registrar/client.ts';
import type { Logger } from '../../src/registrar/mask.ts';
import { serializeReply } from '../../src/registrar/reply.ts';
import { decodeRequest, type DecodedRequest } from '../../src/registrar/request.ts';

const PASSWORD = 'S3cr3t-P@ss&w=rd';
const AUTH = 'Tr4nsf3r-Auth-9x';
type Handler = (req: DecodedRequest, res: ServerResponse, raw: IncomingMessage) => void;

let handler: Handler;
let url: string;
let server: ReturnType<typeof createServer>;
let sockets: Set<Socket>;
let connections = 0;
let inFlight = 0;
let maxInFlight = 0;
const seen: DecodedRequest[] = [];
const rawBodies: string[] = [];
const clients: RegistrarClient[] = [];

const reply = (res: ServerResponse, code: number, description: string, properties?: Record<string, string[]>) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
  res.end(serializeReply({ code, description, ...(properties ? { properties } : {}) }));
};

beforeEach(async () => {
  sockets = new Set();
  connections = 0;
  inFlight = 0;
  maxInFlight = 0;
  seen.length = 0;
  rawBodies.length = 0;
  handler = (_req, res) => reply(res, 200, 'Command completed successfully');
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      rawBodies.push(body);
      const decoded = decodeRequest(body);
      if (!decoded.ok) return reply(res, 507, 'Invalid command format');
      seen.push(decoded.request);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      handler(decoded.request, res, req);
    });
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/call.cgi`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

function capturingLogger(lines: string[]): Logger {
  const write = (obj: object, msg?: string) => lines.push(JSON.stringify(obj) + ' ' + (msg ?? ''));
  return { debug: write, info: write, warn: write, error: write };
}

function client(extra: Partial<RegistrarClientOptions> = {}): RegistrarClient {
  const c = new RegistrarClient({ url, login: 'demo', password: PASSWORD, timeoutMs: 1000, ...extra });
  clients.push(c);
  return c;
}

describe('RegistrarClient over HTTP', () => {
  it('sends the s_command form with credentials and returns typed data on success', async () => {
    handler = (req, res) =>
      reply(res, 200, 'Command completed successfully', {
        'registration expiration date': ['2027-11-30 07:00:00'],
        'created date': ['2026-11-30 07:00:00'],
        status: ['ACTIVE'],
      });
    const outcome = await client().addDomain({ domain: 'x.com', period: 1, ownerContact: 'C1', nameservers: ['ns1.x.net', 'ns2.x.net'] });
    expect(outcome).toMatchObject({ kind: 'reply', code: 200, class: 'success', type: 'command_completed' });
    expect(outcome.kind === 'reply' && outcome.data).toMatchObject({ expirationDate: '2027-11-30 07:00:00', status: ['ACTIVE'] });
    expect(new URLSearchParams(rawBodies[0]).get('s_command')).toBe(
      'COMMAND=AddDomain\nDOMAIN=x.com\nNAMESERVER0=ns1.x.net\nNAMESERVER1=ns2.x.net\nOWNERCONTACT0=C1\nPERIOD=1',
    );
    expect(seen[0]).toMatchObject({ login: 'demo', password: PASSWORD });
  });

  it('can send the flat form', async () => {
    await client({ form: 'flat' }).checkDomain('x.com');
    const params = new URLSearchParams(rawBodies[0]);
    expect(params.get('command')).toBe('CheckDomain');
    expect(params.get('domain')).toBe('x.com');
    expect(params.get('s_command')).toBeNull();
  });

  it.each([
    [210, 'Domain name available', 'success', 'domain_available'],
    [211, 'Domain name not available', 'success', 'domain_not_available'],
    [421, 'Command failed due to server error. Client should try again', 'temporary', 'server_error_retry'],
    [422, 'Abuse detected! The account has been temporarily locked! Please standby some minutes.', 'temporary', 'abuse_lock'],
    [545, 'Entity reference not found', 'permanent', 'entity_not_found'],
    [599, 'Something new', 'permanent', 'unknown_permanent_error'],
  ])('a %i reply is a reply of its class', async (code, description, cls, type) => {
    handler = (_req, res) => reply(res, code, description);
    const outcome = await client().checkDomain('x.com');
    expect(outcome).toMatchObject({ kind: 'reply', code, description, class: cls, type });
    if (code === 210) expect(outcome.kind === 'reply' && outcome.data).toEqual({ available: true });
    if (code === 211) expect(outcome.kind === 'reply' && outcome.data).toEqual({ available: false });
  });

  it('a timeout is an uncertain outcome (421), not an exception', async () => {
    handler = () => undefined; // never answers
    const outcome = await client({ timeoutMs: 200 }).renewDomain('x.com', 1, 2027);
    expect(outcome).toMatchObject({ kind: 'uncertain', code: 421, class: 'temporary', reason: 'timeout', type: 'uncertain_outcome' });
    expect(outcome.ms).toBeGreaterThanOrEqual(150);
  });

  it('sends nothing once the time given to send it is up (not_sent), and sends while it is not', async () => {
    // one connection, busy with a command the registrar answers slowly: the next waits for it
    handler = (req, res) => void setTimeout(() => reply(res, 200, 'Command completed successfully'), req.command?.COMMAND === 'StatusDomain' ? 300 : 0);
    const c = client({ maxConnections: 1 });
    const slow = c.call({ COMMAND: 'StatusDomain', DOMAIN: 'slow.com' });
    const late = await c.call({ COMMAND: 'AddDomain', DOMAIN: 'late.com', PERIOD: 1 }, { sendBy: Date.now() + 100 });
    expect(late).toMatchObject({ kind: 'uncertain', code: 421, reason: 'not_sent', description: 'Outcome unknown: not sent' });
    await slow;
    const inTime = await c.call({ COMMAND: 'AddDomain', DOMAIN: 'in-time.com', PERIOD: 1 }, { sendBy: Date.now() + 5_000 });
    expect(inTime).toMatchObject({ kind: 'reply', code: 200 });
    expect(seen.map((r) => r.command?.DOMAIN)).toEqual(['slow.com', 'in-time.com']);
  });

  it('gives a request up at its abandonBy time, destroying the connection (an uncertain timeout)', async () => {
    handler = () => undefined; // never answers
    const c = client({ timeoutMs: 5_000 });
    const started = Date.now();
    const outcome = await c.call({ COMMAND: 'AddDomain', DOMAIN: 'slow.com', PERIOD: 1 }, { sendBy: Date.now() + 1_000, abandonBy: Date.now() + 200 });
    expect(outcome).toMatchObject({ kind: 'uncertain', code: 421, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_000);
    // the server saw the request, and then its connection closed
    expect(seen.map((r) => r.command?.DOMAIN)).toEqual(['slow.com']);
    await vi.waitFor(() => expect(sockets.size).toBe(0), { timeout: 2_000 });
  });

  it('a reset connection is an uncertain outcome', async () => {
    handler = (_req, res) => res.socket?.destroy();
    const outcome = await client().addDomain({ domain: 'x.com' });
    expect(outcome).toMatchObject({ kind: 'uncertain', code: 421, reason: 'connection_reset' });
  });

  it('an HTTP error status is an uncertain outcome', async () => {
    handler = (_req, res) => {
      res.writeHead(500);
      res.end(serializeReply({ code: 200, description: 'looks fine but the status says otherwise' }));
    };
    expect(await client().checkDomain('x.com')).toMatchObject({ kind: 'uncertain', code: 421, reason: 'http_status', detail: 'registrar answered HTTP 500' });
  });

  it('an empty body is an uncertain outcome (423)', async () => {
    handler = (_req, res) => res.end('');
    expect(await client().checkDomain('x.com')).toMatchObject({ kind: 'uncertain', code: 423, reason: 'empty_body' });
  });

  it.each([['<html>Bad gateway</html>'], ['[RESPONSE]\ncode = 2oo\ndescription = x\nEOF\n'], ['[RESPONSE]\ncode = 300\ndescription = x\nEOF\n'], ['\u0000\u0001garbage=\u00ff']])(
    'a garbled body %j is an uncertain outcome (423) naming the problem',
    async (body) => {
      handler = (_req, res) => res.end(body);
      const outcome = await client().checkDomain('x.com');
      expect(outcome).toMatchObject({ kind: 'uncertain', code: 423, reason: 'protocol_error' });
      expect(outcome.kind === 'uncertain' && outcome.detail.length).toBeGreaterThan(5);
    },
  );

  it('never lets the password or an auth code into logs or outcome details', async () => {
    const lines: string[] = [];
    const outcomes: unknown[] = [];
    const c = client({ logger: capturingLogger(lines), timeoutMs: 300 });
    const behaviours: Handler[] = [
      (_q, res) => reply(res, 530, 'Authentication failed'),
      (_q, res) => res.socket?.destroy(),
      (_q, res) => res.end(`garbage ${PASSWORD} ${AUTH}`),
      () => undefined,
      (_q, res) => {
        res.writeHead(502);
        res.end(PASSWORD);
      },
      (_q, res) => reply(res, 200, 'Command completed successfully', { 'transfer status': ['pending'] }),
    ];
    for (const b of behaviours) {
      handler = b;
      outcomes.push(await c.transferDomain({ domain: 'x.com', auth: AUTH }));
    }
    const bad = new RegistrarClient({ url: `http://demo:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/api/call.cgi`, login: 'demo', password: PASSWORD, logger: capturingLogger(lines) });
    outcomes.push(await bad.transferDomain({ domain: 'x.com', auth: AUTH }));
    await bad.close();
    const everything = lines.join('\n') + JSON.stringify(outcomes.map((o) => ({ ...(o as object), reply: undefined })));
    expect(lines.length).toBeGreaterThanOrEqual(7);
    expect(everything).toContain('***');
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), AUTH]) expect(everything).not.toContain(secret);
    // but the server did receive them
    expect(seen.some((r) => r.password === PASSWORD && r.command.AUTH === AUTH)).toBe(true);
  });

  it('logs in once with persistent=1 and sends the session id instead of the password', async () => {
    handler = (req, res) => {
      if (req.persistent) return reply(res, 200, 'Command completed successfully', { sessionid: ['sess-1'], 'expiration date': ['2030-01-01 00:00:00'] });
      if (req.sessionId !== 'sess-1') return reply(res, 530, 'Authentication failed');
      reply(res, 210, 'Domain name available');
    };
    const c = client({ session: true });
    const results = await Promise.all([c.checkDomain('a.com'), c.checkDomain('b.com'), c.checkDomain('c.com')]);
    expect(results.map((r) => r.code)).toEqual([210, 210, 210]);
    expect(seen.filter((r) => r.persistent)).toHaveLength(1);
    expect(seen.filter((r) => !r.persistent).every((r) => r.sessionId === 'sess-1' && r.password === undefined)).toBe(true);
  });

  it('logs in again transparently when the session has expired (530)', async () => {
    let session = 0;
    handler = (req, res) => {
      if (req.persistent) return reply(res, 200, 'Command completed successfully', { sessionid: [`sess-${++session}`] });
      if (req.sessionId !== `sess-${session}` || (session === 1 && seen.length > 2)) return reply(res, 530, 'Authentication failed');
      reply(res, 210, 'Domain name available');
    };
    const c = client({ session: true });
    expect((await c.checkDomain('a.com')).code).toBe(210); // login 1 + command
    expect((await c.checkDomain('b.com')).code).toBe(210); // 530, login 2, command again
    expect(seen.map((r) => (r.persistent ? 'login' : r.sessionId))).toEqual(['login', 'sess-1', 'sess-1', 'login', 'sess-2']);
  });

  it('a failed login is returned as the login reply', async () => {
    handler = (_req, res) => reply(res, 530, 'Authentication failed');
    expect(await client({ session: true }).checkDomain('a.com')).toMatchObject({ kind: 'reply', code: 530, class: 'permanent' });
  });

  it('caps concurrent connections per account and reuses them (keep-alive)', async () => {
    handler = (_req, res) => setTimeout(() => reply(res, 210, 'Domain name available'), 20);
    const c = client({ maxConnections: 2 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.checkDomain(`d${i}.com`)));
    expect(results.every((r) => r.code === 210)).toBe(true);
    expect(maxInFlight).toBe(2);
    expect(connections).toBe(2);
  });

  it('drops the connection when the registrar says it is closing it (420)', async () => {
    let n = 0;
    handler = (_req, res) => (n++ === 0 ? reply(res, 420, 'Command failed due to server error. Server closing connection') : reply(res, 210, 'Domain name available'));
    const c = client({ maxConnections: 1 });
    expect((await c.checkDomain('a.com')).code).toBe(420);
    expect((await c.checkDomain('a.com')).code).toBe(210);
    expect(connections).toBe(2);
  });

  it('checkDomains reads one result per name and refuses more than 32 names', async () => {
    handler = (req, res) =>
      reply(res, 200, 'Command completed successfully', {
        column: ['domaincheck'],
        domaincheck: Object.keys(req.command)
          .filter((k) => /^DOMAIN\d+$/.test(k))
          .map((k) => (req.command[k]!.startsWith('taken') ? '211 Domain name not available' : '210 Available')),
      });
    const outcome = await client().checkDomains(['free.com', 'taken.com']);
    expect(outcome.kind === 'reply' && outcome.data?.map((d) => [d.domain, d.available])).toEqual([
      ['free.com', true],
      ['taken.com', false],
    ]);
    expect(() => client().checkDomains(Array.from({ length: 33 }, (_, i) => `d${i}.com`))).toThrow(/1 to 32/);
  });
});
