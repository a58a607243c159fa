import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePropertyName, parseReply, prop, props, serializeReply } from '../../src/registrar/reply.ts';
import { commandBlock, decodeRequest, encodeRequest, flattenCommand, maskCommand } from '../../src/registrar/request.ts';

describe('parseReply', () => {
  it('reads the reply of DESIGN.md', () => {
    const r = parseReply(
      '[RESPONSE]\ncode = 200\ndescription = Command completed successfully\nproperty[registration expiration date][0] = 2027-11-30 07:00:00\nqueuetime = 0\nruntime = 0.012\nEOF\n',
    );
    expect(r.ok && r.reply).toEqual({
      code: 200,
      description: 'Command completed successfully',
      properties: { REGISTRATIONEXPIRATIONDATE: ['2027-11-30 07:00:00'] },
      queuetime: 0,
      runtime: 0.012,
    });
  });

  it('accepts CRLF, blank lines, tabs, upper-case keys and unknown keys; values keep their "="', () => {
    const r = parseReply('\r\n[RESPONSE]\r\n\r\nCODE\t=\t545\r\nDescription =  Entity reference not found; DOMAIN=x  \r\nfoo = bar\r\nPROPERTY[Auth Code][0] = a=b==\r\nEOF\r\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.reply.code).toBe(545);
    expect(r.reply.description).toBe('Entity reference not found; DOMAIN=x');
    expect(prop(r.reply, 'auth code')).toBe('a=b==');
  });

  it('appends property values in wire order, whatever their indices say', () => {
    const r = parseReply('code = 200\ndescription = ok\nproperty[ns][5] = a\nproperty[ns][0] = b\nproperty[NS][1] = c\n');
    expect(r.ok && props(r.reply, 'ns')).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['', /empty/],
    ['   \n\n', /empty/],
    ['<html><body>502 Bad Gateway</body></html>', /no code/],
    ['code = 200\n', /no description/],
    ['code = 200\ndescription = \n', /no description/],
    ['code = 20\ndescription = x\n', /not three digits/],
    ['code = abc\ndescription = x\n', /not three digits/],
    ['code = 200\ncode = 500\ndescription = x\n', /two different codes/],
    ['code = 200\ndescription = x\nproperty[a = b\n', /malformed property key/],
    ['code = 200\ndescription = x\nproperty[ ][0] = b\n', /empty name/],
  ])('turns %j into a protocol error naming what is wrong', (body, message) => {
    const r = parseReply(body);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('protocol_error');
      expect(r.error.message).toMatch(message);
    }
  });

  it('accepts bytes, including invalid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('code = 200\ndescription = caf'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    const r = parseReply(bytes);
    expect(r.ok && r.reply.code).toBe(200);
  });

  it('never throws, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const r = parseReply(text);
        expect(typeof r.ok).toBe('boolean');
        if (r.ok) {
          expect(r.reply.code).toBeGreaterThanOrEqual(0);
          expect(r.reply.description.length).toBeGreaterThan(0);
        } else {
          expect(r.error.kind).toBe('protocol_error');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const r = parseReply(bytes);
        expect(r.ok ? 'reply' : r.error.kind).toMatch(/^(reply|protocol_error)$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on reply-shaped lines in any order (property)', () => {
    const line = fc.oneof(
      fc.constantFrom('[RESPONSE]', 'EOF', '', 'code = 200', 'code = 5x5', 'description = ok', 'description =', 'runtime = x', 'queuetime = 0.1'),
      fc.tuple(fc.string({ maxLength: 12 }), fc.nat(40), fc.string({ maxLength: 12 })).map(([n, i, v]) => `property[${n}][${i}] = ${v}`),
      fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 })).map(([k, v]) => `${k}=${v}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), (lines, crlf) => {
        const r = parseReply(lines.join(crlf ? '\r\n' : '\n'));
        expect(r.ok || r.error.kind === 'protocol_error').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('serializeReply', () => {
  it('writes the registrar format with contiguous lower-case property indices', () => {
    const text = serializeReply({
      code: 200,
      description: 'Command completed successfully',
      properties: { 'registration expiration date': ['2027-11-30 07:00:00'], NameServer: ['ns1.x.com', 'ns2.x.com'], count: 2 },
    });
    expect(text).toBe(
      [
        '[RESPONSE]',
        'code = 200',
        'description = Command completed successfully',
        'queuetime = 0',
        'runtime = 0.000',
        'property[registration expiration date][0] = 2027-11-30 07:00:00',
        'property[nameserver][0] = ns1.x.com',
        'property[nameserver][1] = ns2.x.com',
        'property[count][0] = 2',
        'EOF',
        '',
      ].join('\n'),
    );
  });

  it('round-trips through parseReply for any code, description and properties (property)', () => {
    const value = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '').trim());
    const name = fc.stringMatching(/^[a-z][a-z ]{0,20}[a-z]$/);
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 599 }),
        value.filter((d) => d !== ''),
        fc.dictionary(name, fc.array(value, { minLength: 1, maxLength: 4 }), { maxKeys: 5 }),
        (code, description, properties) => {
          const r = parseReply(serializeReply({ code, description, properties }));
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.reply.code).toBe(code);
          expect(r.reply.description).toBe(description);
          const expected: Record<string, string[]> = {};
          for (const [k, v] of Object.entries(properties)) (expected[normalizePropertyName(k)] ??= []).push(...v);
          expect({ ...r.reply.properties }).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('cannot be made to inject a line through a value', () => {
    const text = serializeReply({ code: 200, description: 'ok\ncode = 500', properties: { x: ['a\r\ncode = 500'] } });
    const r = parseReply(text);
    expect(r.ok && r.reply.code).toBe(200);
  });
});

describe('requests', () => {
  const creds = { login: 'demo', password: 'pa&ss=wörd' };

  it('flattens commands: upper-case keys, arrays as KEY0..n, null dropped, no line breaks in values', () => {
    expect(flattenCommand({ command: 'AddDomain', domain: 'x.com', nameserver: ['a.x.com', 'b.x.com'], auth: undefined, period: 2, x: 'a\r\nb' })).toEqual({
      COMMAND: 'AddDomain',
      DOMAIN: 'x.com',
      NAMESERVER0: 'a.x.com',
      NAMESERVER1: 'b.x.com',
      PERIOD: '2',
      X: 'ab',
    });
  });

  it('encodes the s_command form as the official SDKs do, and decodes it back', () => {
    const command = flattenCommand({ COMMAND: 'CheckDomain', DOMAIN: 'münchen.de' });
    const body = encodeRequest({ ...creds, entity: '1234' }, command, 's_command');
    const params = new URLSearchParams(body);
    expect(params.get('s_login')).toBe('demo');
    expect(params.get('s_pw')).toBe('pa&ss=wörd');
    expect(params.get('s_entity')).toBe('1234');
    expect(params.get('s_command')).toBe('COMMAND=CheckDomain\nDOMAIN=münchen.de');
    const decoded = decodeRequest(body);
    expect(decoded.ok && decoded.request).toMatchObject({ login: 'demo', password: 'pa&ss=wörd', entity: '1234', command });
  });

  it('encodes the flat form, and decodes it in any field order and case', () => {
    const command = flattenCommand({ COMMAND: 'RenewDomain', DOMAIN: 'x.com', PERIOD: 1, EXPIRATION: 2027 });
    const body = encodeRequest({ sessionId: 'abc' }, command, 'flat');
    expect(body).toContain('command=RenewDomain');
    const shuffled = body.split('&').reverse().join('&') + '&s_opmode=OTE';
    const decoded = decodeRequest(shuffled.replace('command=', 'CoMmAnD='));
    expect(decoded.ok && decoded.request).toMatchObject({ sessionId: 'abc', command });
  });

  it('decodes an s_command block with CRLF, "=" in values and a session login', () => {
    const body = new URLSearchParams({ s_login: 'demo', s_pw: 'demo', persistent: '1', s_command: 'command=AddContact\r\nemail=a=b@x.com\r\n' }).toString();
    const decoded = decodeRequest(body);
    expect(decoded.ok && decoded.request).toMatchObject({ persistent: true, command: { COMMAND: 'AddContact', EMAIL: 'a=b@x.com' } });
  });

  it('refuses an s_command line without KEY=VALUE', () => {
    const decoded = decodeRequest(new URLSearchParams({ s_command: 'COMMAND=CheckDomain\ngarbage' }).toString());
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.message).toMatch(/KEY=VALUE/);
  });

  it('writes the s_command block with COMMAND first and the rest sorted', () => {
    expect(commandBlock({ DOMAIN: 'x.com', AUTH: 'a', COMMAND: 'TransferDomain' })).toBe('COMMAND=TransferDomain\nAUTH=a\nDOMAIN=x.com');
  });

  it('masks secret values for logs', () => {
    expect(maskCommand({ COMMAND: 'TransferDomain', AUTH: 'secret-code', DOMAIN: 'x.com' })).toEqual({ COMMAND: 'TransferDomain', AUTH: '***', DOMAIN: 'x.com' });
  });

  it('decodeRequest never throws (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (body) => {
        const d = decodeRequest(body);
        expect(typeof d.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
