// The package's version, read from its package.json (two folders up from this
// module in src/, three from dist/src/).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'domainflow' && pkg.version) return pkg.version;
  }
  return 'unknown';
}
