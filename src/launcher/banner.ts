// What `domainflow start` prints once everything is up: where things are and
// a first command to try.
import { relative } from 'node:path';
import type { LaunchedSystem } from './launcher.ts';
import { redact } from './private-redis.ts';

export interface BannerInput {
  readonly system: Pick<LaunchedSystem, 'redis' | 'registrarUrl' | 'simAdminUrl' | 'api' | 'runtimeFile' | 'rateLimit' | 'concurrency'>;
  readonly prefix: string;
  readonly tokenSet: boolean;
  readonly cwd?: string;
}

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? `./${rel}` : path;
}

export function formatBanner({ system, prefix, tokenSet, cwd = process.cwd() }: BannerInput): string {
  const rows: [string, string][] = [];
  if (system.api) {
    const base = system.api.url.replace(/\/$/, '');
    rows.push(['dashboard', `${base}/`]);
    rows.push(['API', `${base}/v1${tokenSet ? '  (Authorization: Bearer $DOMAINFLOW_API_TOKEN)' : ''}`]);
    rows.push(['API docs', `${base}/docs  (OpenAPI)`]);
    rows.push(['metrics', `${base}/metrics`]);
  } else {
    rows.push(['API', 'not started (no HTTP API in this build)']);
  }
  rows.push(['registrar', system.simAdminUrl ? `${system.registrarUrl}  (simulated, login demo/demo)` : system.registrarUrl]);
  if (system.simAdminUrl) rows.push(['sim admin', `${system.simAdminUrl}/stats  (also /effects, /log)`]);
  const redisNote = system.redis.source === 'private' ? `  (private redis-server, AOF in ${shown(system.redis.dir ?? '', cwd)})` : system.redis.source === 'env' ? '  (REDIS_URL)' : '';
  rows.push(['redis', `${redact(system.redis.url)}${redisNote}, key prefix ${prefix}`]);
  rows.push(['worker', `${system.concurrency} operations at once, at most ${system.rateLimit === 0 ? 'unlimited' : system.rateLimit} registrar commands/s`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    'domainflow is running',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
    `Other terminals in this folder find it through ${shown(system.runtimeFile, cwd)}. Try:`,
    '  npx domainflow register example-123.com --wait',
    '  npx domainflow bulk domains.csv --wait      # a CSV with the header op,domain',
    '',
    'Ctrl-C stops everything.',
  ].join('\n');
}
