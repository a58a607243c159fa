// List replies (QueryDomainList, CheckDomains ...): property[column] names the
// columns; first/last/count/limit/total describe the page; paging is by FIRST
// and LIMIT (a LAST parameter is refused by the registrar with 503).
import { classify } from '../codes.ts';
import { normalizePropertyName, prop, type Reply } from './reply.ts';

export interface ListPage {
  /** Normalised column names, in the order the registrar gave them. */
  readonly columns: readonly string[];
  /** One record a row, keyed by normalised column name. */
  readonly rows: readonly Readonly<Record<string, string>>[];
  readonly first: number;
  readonly last: number;
  readonly count: number;
  readonly limit: number;
  readonly total: number;
  /** FIRST of the next page, or undefined on the last page. */
  readonly nextFirst: number | undefined;
}

function intProp(reply: Reply, name: string): number | undefined {
  const value = prop(reply, name);
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

export function readList(reply: Reply): ListPage {
  const columns = (reply.properties.COLUMN ?? []).map(normalizePropertyName);
  const height = columns.reduce((max, c) => Math.max(max, reply.properties[c]?.length ?? 0), 0);
  const rows: Record<string, string>[] = [];
  for (let i = 0; i < height; i++) {
    const row: Record<string, string> = {};
    for (const c of columns) {
      const v = reply.properties[c]?.[i];
      if (v !== undefined) row[c] = v;
    }
    rows.push(row);
  }
  const count = intProp(reply, 'count') ?? rows.length;
  const first = intProp(reply, 'first') ?? 0;
  const last = intProp(reply, 'last') ?? (count > 0 ? first + count - 1 : first);
  const total = intProp(reply, 'total') ?? first + count;
  const limit = intProp(reply, 'limit') ?? count;
  const nextFirst = last + 1 < total && count > 0 ? last + 1 : undefined;
  return { columns, rows, first, last, count, limit, total, nextFirst };
}

export interface DomainCheck {
  readonly index: number;
  /** 210 available, 211 not available, or another code for that name (541 invalid ...). */
  readonly code: number;
  readonly description: string;
}

/** CheckDomains: `property[domaincheck][i] = 210 Available`, one per name asked, in order. */
export function readDomainChecks(reply: Reply): DomainCheck[] {
  return (reply.properties.DOMAINCHECK ?? []).map((value, index) => {
    const m = /^(\d{3})\s*(.*)$/.exec(value.trim());
    const c = m ? classify(m[1]) : undefined;
    if (!m || !c || !c.ok) return { index, code: 423, description: `unreadable domain check ${JSON.stringify(value.slice(0, 40))}` };
    return { index, code: c.code, description: m[2] || c.description };
  });
}
