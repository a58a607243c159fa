// `npm run build`: tsc over src/, machines/ and workers/ into dist/, incrementally (an
// unchanged tree is not rewritten: npx's first run builds the project through `prepare`,
// possibly under a running system). tsc trusts dist/.tsbuildinfo and would not write again
// an output deleted since: when one is missing, the build starts afresh.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOTS = ['src', 'machines', 'workers'];
const INFO = 'dist/.tsbuildinfo';

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

if (existsSync(INFO)) {
  const missing = ROOTS.flatMap((root) => [...sources(root)]).find((file) => !existsSync(join('dist', file.replace(/\.ts$/, '.js'))));
  if (missing) {
    console.log(`build: ${missing} has no output in dist/: building afresh`);
    rmSync(INFO, { force: true });
  }
}
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(tsc.status ?? 1);
