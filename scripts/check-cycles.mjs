// Fails when the source has an import cycle (madge over the TypeScript sources).
import madge from 'madge';

const roots = ['src', 'machines', 'workers'];
const result = await madge(roots, {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  detectiveOptions: { ts: { skipTypeImports: true }, es6: { skipTypeImports: true } },
});
const cycles = result.circular();
const files = Object.keys(result.obj()).length;
if (files === 0) {
  console.error('check-cycles: madge found no files; the check would prove nothing');
  process.exit(1);
}
if (cycles.length > 0) {
  console.error(`import cycles (${cycles.length}):`);
  for (const cycle of cycles) console.error('  ' + cycle.join(' -> '));
  process.exit(1);
}
console.log(`check-cycles: no import cycles in ${files} files`);
