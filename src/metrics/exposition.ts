// /metrics in the Prometheus text format: the workers' counters from the
// Redis hash (metric-fields.ts), the queue's job counts and the account state,
// all read at scrape time. A fresh prom-client Registry per scrape: nothing
// is kept between scrapes, so an API process holds no metric state of its own.
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { Engine } from '../engine/engine.ts';
import { DURATION_BUCKETS_MS, parseField } from './metric-fields.ts';

export const METRIC_NAMES = {
  operations: 'domainflow_operations_total',
  commands: 'domainflow_registrar_commands_total',
  duration: 'domainflow_registrar_command_duration_seconds',
  queue: 'domainflow_queue_jobs',
  breaker: 'domainflow_account_breaker_open',
  lock: 'domainflow_account_lock_paused',
  lockSeconds: 'domainflow_account_lock_pause_seconds',
} as const;

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

interface Histogram {
  buckets: number[];
  sum: number;
}

/**
 * prom-client's Histogram only observes values one by one; this one shows
 * bucket counts that were added up elsewhere. The registry needs only `name`
 * and `get()`.
 */
function summedHistogram(name: string, help: string, byCommand: Map<string, Histogram>): Metric {
  const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
  for (const [command, h] of [...byCommand].sort(([a], [b]) => a.localeCompare(b))) {
    let cumulative = 0;
    DURATION_BUCKETS_MS.forEach((bound, i) => {
      cumulative += h.buckets[i] ?? 0;
      values.push({ metricName: `${name}_bucket`, labels: { command, le: bound / 1000 }, value: cumulative });
    });
    cumulative += h.buckets[DURATION_BUCKETS_MS.length] ?? 0;
    values.push({ metricName: `${name}_bucket`, labels: { command, le: '+Inf' }, value: cumulative });
    values.push({ metricName: `${name}_sum`, labels: { command }, value: h.sum / 1000 });
    values.push({ metricName: `${name}_count`, labels: { command }, value: cumulative });
  }
  const metric = { name, help, type: 'histogram', aggregator: 'sum', values };
  return { name, help, type: 'histogram', aggregator: 'sum', get: async () => metric } as unknown as Metric;
}

export async function renderMetrics(engine: Pick<Engine, 'redis' | 'keys' | 'queue' | 'account'>): Promise<string> {
  const [hash, jobCounts, account] = await Promise.all([engine.redis.hgetall(engine.keys.metrics), engine.queue.getJobCounts(), engine.account.state()]);
  const registry = new Registry();
  const registers = [registry];
  const operations = new Counter({
    name: METRIC_NAMES.operations,
    help: 'Operations that ended in a worker, by type, outcome (succeeded, failed, cancelled) and failure type',
    labelNames: ['type', 'outcome', 'failure_type'],
    registers,
  });
  const commands = new Counter({ name: METRIC_NAMES.commands, help: 'Registrar commands sent by workers, by command and return code', labelNames: ['command', 'code'], registers });
  const durations = new Map<string, Histogram>();
  const histogramOf = (command: string) => {
    let h = durations.get(command);
    if (!h) durations.set(command, (h = { buckets: [], sum: 0 }));
    return h;
  };
  for (const [name, raw] of Object.entries(hash)) {
    const series = parseField(name);
    const n = Number(raw);
    if (!series || !Number.isFinite(n) || n < 0) continue;
    if (series.kind === 'command') commands.inc({ command: series.command, code: series.code }, n);
    else if (series.kind === 'operation') operations.inc({ type: series.type, outcome: series.outcome, failure_type: series.failureType }, n);
    else if (series.kind === 'bucket') histogramOf(series.command).buckets[series.index] = n;
    else histogramOf(series.command).sum = n;
  }
  registry.registerMetric(summedHistogram(METRIC_NAMES.duration, 'How long registrar commands took, from send to reply, by command', durations));

  const queue = new Gauge({ name: METRIC_NAMES.queue, help: "Jobs (operations) in the account's queue, by BullMQ state", labelNames: ['state'], registers });
  for (const [state, n] of Object.entries(jobCounts)) queue.set({ state }, n);
  new Gauge({ name: METRIC_NAMES.breaker, help: "1 while the account's breaker is open (paused: nothing is dispatched)", registers }).set(account.breaker ? 1 : 0);
  new Gauge({ name: METRIC_NAMES.lock, help: '1 while the account waits out a 422 abuse lock', registers }).set(account.lockPauseMs > 0 ? 1 : 0);
  new Gauge({ name: METRIC_NAMES.lockSeconds, help: 'Seconds left of the 422 abuse-lock cool-down', registers }).set(account.lockPauseMs / 1000);
  return registry.metrics();
}
