import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/version.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('domainflow --version', () => {
  it("prints package.json's version, from the source and from the build", () => {
    expect(packageVersion()).toBe(pkg.version);
    for (const flag of ['--version', '-V']) {
      const out = execFileSync(process.execPath, [resolve(ROOT, 'bin/domainflow.js'), flag], { cwd: '/', encoding: 'utf8' });
      expect(out.trim()).toBe(pkg.version);
    }
  });
});
