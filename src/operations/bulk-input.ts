// Bulk input: one operation a line, as CSV (header `op,domain,...`), NDJSON
// or a JSON array. Every line is validated like a single submission; an
// invalid line is reported with its line number and skipped, the rest go on.
import { parseSubmission, type Submission } from './input.ts';

export type BulkFormat = 'csv' | 'ndjson' | 'json';

export interface BulkItem {
  /** 1-based line of the file (CSV, NDJSON) or position in the array (JSON). */
  readonly line: number;
  readonly submission: Submission;
}

export interface BulkRejection {
  readonly line: number;
  readonly error: string;
  readonly field?: string;
}

export interface BulkParse {
  readonly format: BulkFormat;
  readonly items: BulkItem[];
  readonly rejected: BulkRejection[];
}

/** CSV columns and the submission field each fills. `op` and `type` are the same column. */
const CSV_COLUMNS: Record<string, string> = {
  op: 'type',
  type: 'type',
  domain: 'domain',
  period: 'period',
  auth: 'auth',
  ns: 'ns',
  key: 'key',
  owner: 'owner',
  expiration: 'expiration',
};

export const MAX_BULK_ITEMS = 100_000;

/** The format a text is in: a JSON array, NDJSON (objects a line) or CSV. */
export function detectFormat(text: string): BulkFormat {
  const start = text.trimStart();
  if (start.startsWith('[')) return 'json';
  if (start.startsWith('{')) return 'ndjson';
  return 'csv';
}

/** Split a CSV line into fields: commas, double quotes around fields, "" for a quote inside. */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (ch === ',') {
      fields.push(field.trim());
      field = '';
    } else field += ch;
  }
  if (quoted) return undefined;
  fields.push(field.trim());
  return fields;
}

function fromCsvRow(header: string[], fields: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  header.forEach((column, i) => {
    const value = fields[i] ?? '';
    if (value === '') return;
    const target = CSV_COLUMNS[column];
    if (target === 'period') raw.period = /^\d+$/.test(value) ? Number(value) : value;
    else if (target === 'ns') raw.ns = value.split(/[\s;|]+/).filter(Boolean);
    else if (target === 'owner') raw.contacts = { owner: value };
    else if (target) raw[target] = value;
  });
  return raw;
}

function accept(raw: unknown, line: number, items: BulkItem[], rejected: BulkRejection[]): void {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'op' in raw && !('type' in raw)) {
    const { op, ...rest } = raw as Record<string, unknown>;
    raw = { type: op, ...rest };
  }
  const parsed = parseSubmission(raw);
  if (parsed.ok) items.push({ line, submission: parsed.value });
  else rejected.push({ line, error: parsed.error, field: parsed.field });
}

export function parseBulk(text: string, format: BulkFormat = detectFormat(text)): BulkParse {
  const items: BulkItem[] = [];
  const rejected: BulkRejection[] = [];
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      // Not the parser's message: it can quote the input, and the input can hold auth codes.
      return { format, items, rejected: [{ line: 1, error: 'body: not valid JSON' }] };
    }
    if (!Array.isArray(data)) return { format, items, rejected: [{ line: 1, error: 'body: a JSON batch must be an array of operations' }] };
    if (data.length > MAX_BULK_ITEMS) return { format, items, rejected: [{ line: 1, error: `body: more than ${MAX_BULK_ITEMS} operations` }] };
    data.forEach((raw, i) => accept(raw, i + 1, items, rejected));
    return { format, items, rejected };
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length > MAX_BULK_ITEMS + 1) return { format, items, rejected: [{ line: 1, error: `file: more than ${MAX_BULK_ITEMS} lines` }] };
  if (format === 'ndjson') {
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        rejected.push({ line: i + 1, error: 'line: not valid JSON' });
        return;
      }
      accept(raw, i + 1, items, rejected);
    });
    return { format, items, rejected };
  }
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (headerIndex < 0) return { format, items, rejected: [{ line: 1, error: 'file: empty (expected a header line such as op,domain,period)' }] };
  const header = (splitCsvLine(lines[headerIndex]!) ?? []).map((h) => h.toLowerCase());
  const unknown = header.filter((h) => !(h in CSV_COLUMNS));
  if (!header.includes('domain') || !(header.includes('op') || header.includes('type')) || unknown.length > 0) {
    const problem = unknown.length > 0 ? `unknown column(s) ${unknown.join(', ')}` : 'it needs the columns op and domain';
    return { format, items, rejected: [{ line: headerIndex + 1, error: `header: ${problem} (columns: ${Object.keys(CSV_COLUMNS).join(', ')})` }] };
  }
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const fields = splitCsvLine(line);
    if (!fields) {
      rejected.push({ line: i + 1, error: 'line: a quoted field is not closed' });
      continue;
    }
    if (fields.length > header.length) {
      rejected.push({ line: i + 1, error: `line: ${fields.length} fields, the header has ${header.length}` });
      continue;
    }
    accept(fromCsvRow(header, fields), i + 1, items, rejected);
  }
  return { format, items, rejected };
}
