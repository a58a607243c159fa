// A bulk file read and validated line by line, before anything is queued.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseBulk, type BulkFormat, type BulkParse } from '../../operations/bulk-input.ts';
import { UsageError } from '../cli-runtime.ts';

const FORMATS: readonly BulkFormat[] = ['csv', 'ndjson', 'json'];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface BulkFile extends BulkParse {
  /** What the batch records as its source: the file's name. */
  readonly source: string;
}

/** Throws UsageError (exit 2) when the file cannot be read or the format is unknown. */
export async function readBulkFile(file: string, format?: string): Promise<BulkFile> {
  if (format !== undefined && !FORMATS.includes(format as BulkFormat)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`, 'format');
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : err instanceof Error ? err.message : String(err);
    throw new UsageError(`cannot read ${file}: ${why}`, 'file');
  }
  text = text.replace(/^\uFEFF/, '');
  const parsed = format ? parseBulk(text, format as BulkFormat) : parseBulk(text);
  return { ...parsed, source: file === '-' ? 'stdin' : basename(file) };
}
