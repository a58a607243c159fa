// makeDir: a folder and its missing parents, and an error, not a hang, where
// Node 20's recursive mkdir never returns (under /proc).
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeDir } from '../../src/make-dir.ts';
import { loadSecretBox } from '../../src/engine/secret-box.ts';

const dir = mkdtempSync(join(tmpdir(), 'df-makedir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('makes a folder and its missing parents, and leaves one that exists alone', () => {
  const deep = join(dir, 'a', 'b', 'c');
  makeDir(deep);
  expect(statSync(deep).isDirectory()).toBe(true);
  makeDir(deep);
  makeDir(join(dir, 'a'));
  expect(statSync(deep).isDirectory()).toBe(true);
});

it('throws the first error it meets: a file in the way, or a parent where nothing can be made', () => {
  writeFileSync(join(dir, 'file'), 'x');
  expect(() => makeDir(join(dir, 'file'))).toThrow(/EEXIST/);
  expect(() => makeDir(join(dir, 'file', 'sub'))).toThrow(/ENOTDIR/);
  // Where Node's own recursive mkdir loops for ever: an error at once.
  expect(() => makeDir('/proc/domainflow-test/data')).toThrow(/ENOENT/);
  expect(existsSync('/proc/domainflow-test')).toBe(false);
});

it('a data folder under /proc is a SecretKeyError naming DOMAINFLOW_DATA_DIR, not a hang', () => {
  expect(() => loadSecretBox(undefined, '/proc/domainflow-test/data')).toThrow(/^DOMAINFLOW_DATA_DIR: cannot keep the secret key in \/proc\/domainflow-test\/data\/secret\.key: ENOENT$/);
});
