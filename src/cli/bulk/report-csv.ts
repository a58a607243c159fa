// The bulk report: one CSV row an operation, `id,op,domain,status,failure_type,code`,
// fields quoted as RFC 4180 says (a comma, quote, CR or LF inside; quotes doubled).
import { accessSync, constants, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { OperationView } from '../../engine/operation.ts';

export const REPORT_HEADER = ['id', 'op', 'domain', 'status', 'failure_type', 'code'] as const;

export interface ReportRow {
  readonly id: string;
  readonly op: string;
  readonly domain: string;
  readonly status: string;
  readonly failureType: string;
  /** The registrar code that ended it: the failure's, or the last reply's for a success; '' when none. */
  readonly code: number | '';
}

export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly (string | number)[]): string {
  return fields.map(csvField).join(',');
}

/** A row for an operation; `lastCode` is the code of its last registrar reply, when known. */
export function reportRow(op: OperationView, lastCode?: number): ReportRow {
  const code = op.failure ? op.failure.code : op.status === 'succeeded' ? lastCode : undefined;
  return {
    id: op.id,
    op: op.type,
    domain: op.domain,
    status: op.status,
    failureType: op.failure?.type ?? '',
    // 0 is "no registrar code" (a cancellation): left empty.
    code: code === undefined || code === 0 ? '' : code,
  };
}

export function formatReport(rows: readonly ReportRow[]): string {
  const lines = [csvLine(REPORT_HEADER), ...rows.map((r) => csvLine([r.id, r.op, r.domain, r.status, r.failureType, r.code]))];
  return lines.join('\n') + '\n';
}

/** Write the report whole or not at all (a temporary file renamed into place). */
export function writeReport(path: string, rows: readonly ReportRow[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, formatReport(rows));
  renameSync(tmp, path);
}

/**
 * Why the report could not be written at `path` (its folder missing or not writable, or the path
 * a folder), before any work is done for it; undefined when it can.
 */
export function reportPathProblem(path: string): string | undefined {
  const folder = dirname(path);
  try {
    if (statOrNone(path)?.isDirectory()) return `${path} is a folder`;
    if (!statOrNone(folder)?.isDirectory()) return `no folder ${folder}`;
    accessSync(folder, constants.W_OK);
    return undefined;
  } catch (err) {
    return `${folder} is not writable (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

/** A path's stat; undefined when nothing is there (or a file stands where a folder of it should). */
function statOrNone(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
