// The end of a bulk run: counts by status and by failure type, the report
// rows, and the --json line `{ batch, accepted, rejected, succeeded, failed }`.
import type { OperationView, OpStatus } from '../../engine/operation.ts';
import type { OperationStore } from '../../engine/store.ts';
import { reportRow, type ReportRow } from './report-csv.ts';
import { formatCounts, formatDuration, formatRate } from './progress-line.ts';

export interface BulkOutcome {
  readonly batch: string;
  readonly accepted: number;
  readonly rejected: number;
  readonly succeeded: number;
  /** every ended operation that did not succeed (a cancelled one too) */
  readonly failed: number;
  readonly cancelled: number;
  readonly report?: string;
}

export interface BatchTally {
  readonly counts: Record<OpStatus, number>;
  /** failure type -> operations (failed and cancelled) */
  readonly byFailure: Record<string, number>;
}

export function tally(ops: readonly OperationView[]): BatchTally {
  const counts: Record<OpStatus, number> = { queued: 0, running: 0, waiting: 0, succeeded: 0, failed: 0, cancelled: 0 };
  const byFailure: Record<string, number> = {};
  for (const op of ops) {
    counts[op.status]++;
    if (op.failure) byFailure[op.failure.type] = (byFailure[op.failure.type] ?? 0) + 1;
  }
  return { counts, byFailure };
}

export function outcomeOf(batch: string, accepted: number, rejected: number, t: BatchTally, report?: string): BulkOutcome {
  return {
    batch,
    accepted,
    rejected,
    succeeded: t.counts.succeeded,
    failed: t.counts.failed + t.counts.cancelled,
    cancelled: t.counts.cancelled,
    ...(report ? { report } : {}),
  };
}

export function formatSummary(batch: string, t: BatchTally, elapsedMs: number): string[] {
  const total = Object.values(t.counts).reduce((a, b) => a + b, 0);
  const lines = [`batch ${batch}: ${total} operations in ${formatDuration(elapsedMs)} (${formatRate(elapsedMs > 0 ? (total * 1000) / elapsedMs : undefined)}): ${formatCounts(t.counts)}`];
  const types = Object.entries(t.byFailure).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (types.length) {
    const width = Math.max(...types.map(([k]) => k.length));
    lines.push('  not succeeded, by failure type:');
    for (const [type, n] of types) lines.push(`    ${type.padEnd(width)}  ${n}`);
    lines.push(`  redrive them: npx domainflow retry --batch ${batch}`);
  }
  return lines;
}

/** Report rows for the batch's operations, in file order; a success's code is its last reply's. */
export async function reportRows(store: OperationStore, ops: readonly OperationView[]): Promise<ReportRow[]> {
  const rows: ReportRow[] = [];
  for (let i = 0; i < ops.length; i += 500) {
    const chunk = ops.slice(i, i + 500);
    const succeeded = chunk.filter((op) => op.status === 'succeeded');
    const codes = new Map((await store.lastReplyCodes(succeeded.map((op) => op.id))).map((code, j) => [succeeded[j]!.id, code]));
    for (const op of chunk) rows.push(reportRow(op, codes.get(op.id)));
  }
  return rows;
}
