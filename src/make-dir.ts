// A folder and its missing parents. Node 20's mkdirSync({ recursive: true })
// never returns for some paths (under /proc it retries the same ENOENT
// forever); this makes each missing folder once, parents first, and throws the
// first error it meets.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDir(path: string): void {
  const abs = resolve(path);
  try {
    mkdirSync(abs);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (statSync(abs).isDirectory()) return;
      throw err;
    }
    const parent = dirname(abs);
    if (code !== 'ENOENT' || parent === abs) throw err;
    makeDir(parent);
  }
  // The parents exist now: once more, and whatever fails now is the answer.
  try {
    mkdirSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(abs).isDirectory()) throw err;
  }
}
