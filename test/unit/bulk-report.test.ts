// The bulk report CSV: the exact header, one row an operation, RFC 4180 quoting.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvField, formatReport, reportPathProblem, reportRow, writeReport } from '../../src/cli/bulk/report-csv.ts';
import { splitCsvLine } from '../../src/operations/bulk-input.ts';
import type { OperationView } from '../../src/engine/operation.ts';

const base = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:01.000Z' };
const succeeded: OperationView = { id: 'op_a', type: 'register', domain: 'a.com', status: 'succeeded', result: { expirationDate: '2027-01-01' }, ...base };
const taken: OperationView = {
  id: 'op_b',
  type: 'register',
  domain: 'b.com',
  status: 'failed',
  failure: { type: 'domain_not_available', code: 211, description: 'Domain name not available', step: 'checkDomain' },
  ...base,
};
const cancelled: OperationView = { id: 'op_c', type: 'renew', domain: 'c.com', status: 'cancelled', failure: { type: 'cancelled', code: 0, description: 'Cancelled by a user', step: 'queued' }, ...base };
const queued: OperationView = { id: 'op_d', type: 'delete', domain: 'd.com', status: 'queued', ...base };

describe('csvField', () => {
  it('leaves plain fields alone and quotes the ones that need it', () => {
    expect(csvField('domain_not_available')).toBe('domain_not_available');
    expect(csvField(211)).toBe('211');
    expect(csvField('')).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded ')).toBe('" padded "');
  });

  it('reads back as what was written (with the bulk parser)', () => {
    const fields = ['x,y', '"quoted"', 'plain', '', 'a "b", c'];
    expect(splitCsvLine(fields.map(csvField).join(','))).toEqual(fields);
  });
});

describe('report rows', () => {
  it('takes the failure code for a failure, the last reply code for a success, none otherwise', () => {
    expect(reportRow(succeeded, 200)).toEqual({ id: 'op_a', op: 'register', domain: 'a.com', status: 'succeeded', failureType: '', code: 200 });
    expect(reportRow(succeeded)).toMatchObject({ code: '' });
    expect(reportRow(taken)).toEqual({ id: 'op_b', op: 'register', domain: 'b.com', status: 'failed', failureType: 'domain_not_available', code: 211 });
    // a cancellation has no registrar code
    expect(reportRow(cancelled)).toMatchObject({ status: 'cancelled', failureType: 'cancelled', code: '' });
    expect(reportRow(queued, 999)).toMatchObject({ status: 'queued', failureType: '', code: '' });
  });

  it('formats the exact header and a line an operation', () => {
    const text = formatReport([reportRow(succeeded, 200), reportRow(taken), reportRow(cancelled), reportRow(queued)]);
    expect(text.split('\n')).toEqual([
      'id,op,domain,status,failure_type,code',
      'op_a,register,a.com,succeeded,,200',
      'op_b,register,b.com,failed,domain_not_available,211',
      'op_c,renew,c.com,cancelled,cancelled,',
      'op_d,delete,d.com,queued,,',
      '',
    ]);
    expect(formatReport([])).toBe('id,op,domain,status,failure_type,code\n');
  });

  it('escapes a field with a comma or a quote', () => {
    const odd = reportRow({ ...taken, failure: { ...taken.failure!, type: 'odd,"type"' } });
    expect(formatReport([odd]).split('\n')[1]).toBe('op_b,register,b.com,failed,"odd,""type""",211');
  });

  it('writes the file whole, leaving no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'df-report-'));
    const path = join(dir, 'report.csv');
    writeReport(path, [reportRow(taken)]);
    expect(readFileSync(path, 'utf8')).toBe('id,op,domain,status,failure_type,code\nop_b,register,b.com,failed,domain_not_available,211\n');
    expect(readdirSync(dir)).toEqual(['report.csv']);
  });

  it('says before the batch why a report path cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'df-report-'));
    expect(reportPathProblem(join(dir, 'report.csv'))).toBeUndefined();
    expect(reportPathProblem(join(dir, 'missing', 'report.csv'))).toBe(`no folder ${join(dir, 'missing')}`);
    expect(reportPathProblem(dir)).toBe(`${dir} is a folder`);
    writeFileSync(join(dir, 'file'), 'x');
    // a file where a folder should be
    expect(reportPathProblem(join(dir, 'file', 'report.csv'))).toBe(`no folder ${join(dir, 'file')}`);
  });
});
