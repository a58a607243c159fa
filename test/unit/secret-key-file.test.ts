// The key file the embedded default keeps under DOMAINFLOW_DATA_DIR when no
// DOMAINFLOW_SECRET_KEY is set: made once, used again, and a folder that cannot
// hold it is an error naming the variable (not a bare ENOTDIR).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSecretBox, SecretKeyError } from '../../src/engine/secret-box.ts';

const dir = mkdtempSync(join(tmpdir(), 'df-keyfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the secret key file', () => {
  it('is created once, announced, and opens what the first box sealed', () => {
    const said: string[] = [];
    const first = loadSecretBox(undefined, join(dir, 'data'), (m) => said.push(m));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(join(dir, 'data', 'secret.key'));
    const sealed = first.seal('auth-code-1');
    const again = loadSecretBox(undefined, join(dir, 'data'), (m) => said.push(m));
    expect(said).toHaveLength(1);
    expect(again.open(sealed)).toBe('auth-code-1');
    expect(readFileSync(join(dir, 'data', 'secret.key'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('under a file: a SecretKeyError naming DOMAINFLOW_DATA_DIR and the reason', () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    const load = () => loadSecretBox(undefined, join(dir, 'a-file', 'sub'));
    expect(load).toThrow(SecretKeyError);
    expect(load).toThrow(/^DOMAINFLOW_DATA_DIR: cannot keep the secret key in .*a-file\/sub\/secret\.key: ENOTDIR$/);
  });
});
