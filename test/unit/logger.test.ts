// Logs: JSON lines, or pretty lines for a terminal; secrets redacted in both.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const secretFields = { password: 'hunter2', params: { AUTH: 'transfer-secret', s_pw: 'pw2' }, req: { headers: { authorization: 'Bearer tok-123' } }, token: 'tok-456' };

describe('createLogger', () => {
  it('writes JSON lines with secrets redacted', () => {
    const out = sink();
    const logger = createLogger('t', 'info', { destination: out.stream, pretty: false });
    logger.info({ ...secretFields, domain: 'a.com' }, 'hello');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ name: 't', msg: 'hello', domain: 'a.com', password: '***', token: '***' });
    expect(out.text()).not.toMatch(/hunter2|transfer-secret|pw2|tok-123|tok-456/);
  });

  it('writes pretty lines with secrets redacted', () => {
    const out = sink();
    const logger = createLogger('t', 'info', { destination: out.stream, pretty: true });
    logger.warn({ ...secretFields, domain: 'b.com' }, 'careful');
    expect(out.text()).toMatch(/WARN.*careful/);
    expect(out.text()).toContain('b.com');
    expect(out.text()).not.toMatch(/hunter2|transfer-secret|pw2|tok-123|tok-456/);
    expect(out.text()).not.toMatch(/^\{/); // not JSON
  });
});
