// bulk FILE: one operation a line of a CSV (`op,domain,...`) or NDJSON file,
// invalid lines reported with their line numbers and skipped, the rest
// submitted as one batch (a bulk register checks availability 32 names a
// command). --wait follows it to the end, prints a summary by status and
// failure type, and writes a CSV report of every operation's outcome.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { SubmitSpec } from '../../engine/store.ts';
import { readBulkFile, type BulkFile } from '../bulk/read-bulk-file.ts';
import { reportPathProblem, writeReport } from '../bulk/report-csv.ts';
import { formatSummary, outcomeOf, reportRows, tally } from '../bulk/summary.ts';
import { watchBatch } from '../bulk/watch-batch.ts';
import { onStopSignal } from '../../stop-signals.ts';
import { printJson, UsageError, withRuntime } from '../cli-runtime.ts';

interface BulkFlags {
  wait?: boolean;
  json?: boolean;
  report?: string;
  format?: string;
}

export function registerBulkCommand(program: Command): void {
  program
    .command('bulk <file>')
    .description('submit one operation per line of a CSV (header op,domain,...) or NDJSON file as one batch ("-" reads stdin)')
    .option('--wait', 'follow the batch to its end with a progress bar; exit 0 if all succeeded, 1 if some failed')
    .option('--json', 'print { batch, accepted, rejected, succeeded, failed } as the last line')
    .option('--report <path>', 'write the CSV report here (default with --wait: ./domainflow-report-<batch>.csv)')
    .option('--format <format>', 'csv, ndjson or json (default: from the content)')
    .action(async (file: string, flags: BulkFlags) => {
      // The file first: a bad one is refused (exit 2) without touching Redis.
      let input: BulkFile;
      try {
        input = await readBulkFile(file, flags.format);
        for (const r of input.rejected) console.error(`domainflow bulk: ${input.source} line ${r.line} skipped: ${r.error}`);
        if (input.items.length === 0) throw new UsageError(`no valid operation in ${input.source}${input.rejected.length ? ` (${input.rejected.length} invalid line(s))` : ''}`, 'file');
        // Nor is a batch submitted whose report could not be written at its end.
        if (flags.wait || flags.report) {
          const problem = reportPathProblem(resolve(flags.report ?? 'domainflow-report.csv'));
          if (problem) throw new UsageError(`${flags.report ? '--report' : 'the report (written to the current folder with --wait; give --report PATH)'}: cannot write there: ${problem}`, 'report');
        }
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        if (flags.json) printJson({ error: err.message, field: err.field });
        else console.error(`domainflow: ${err.message}`);
        process.exitCode = 2;
        return;
      }
      await withRuntime(flags.json, async (rt) => {
        const say = (line: string) => (flags.json ? console.error(line) : console.log(line));
        const specs: SubmitSpec[] = input.items.map((item) => ({ ...item.submission }));
        const started = Date.now();
        const submitted = await rt.engine.batches.submit(specs, { registrar: rt.registrar(), source: input.source });
        const { batch } = submitted;
        // A line whose idempotency key names another operation is skipped like an invalid one.
        for (const r of submitted.rejected) console.error(`domainflow bulk: ${input.source} line ${input.items[r.index]!.line} skipped: ${r.field}: ${r.error}`);
        const skipped = input.rejected.length + submitted.rejected.length;
        say(
          `batch ${batch}: ${submitted.operations.length} operation(s) submitted from ${input.source}${skipped ? `, ${skipped} invalid line(s) skipped` : ''}` +
            (submitted.checkCommands ? ` (availability checked in ${submitted.checkCommands} command(s))` : ''),
        );

        if (flags.wait) {
          if ((await rt.engine.queue.getWorkersCount()) === 0) {
            console.error('domainflow bulk: no worker is running for this account yet: start one (npm start, or npx domainflow worker); waiting');
          }
          const stop = new AbortController();
          // Ctrl-C stops following (the batch goes on); the same one forwarded by npx is ignored,
          // one pressed later (the stop hangs: Redis does not answer) ends the process at once
          const off = onStopSignal(
            () => stop.abort(),
            () => process.exit(130),
          );
          try {
            await watchBatch(rt.engine.batches, batch, { tty: process.stderr.isTTY === true, print: (line) => console.error(line), signal: stop.signal });
          } finally {
            // kept once interrupted: a forwarded repeat must not end the process by signal
            if (!stop.signal.aborted) off();
          }
          if (stop.signal.aborted) {
            console.error(`domainflow bulk: stopped following; the batch goes on. See it with: npx domainflow list --batch ${batch}`);
            return 130;
          }
        }

        const ops = await rt.engine.store.list({ batch, limit: Number.MAX_SAFE_INTEGER });
        const t = tally(ops);
        let report: string | undefined;
        let reportFailed = false;
        if (flags.wait || flags.report) {
          const path = flags.report ?? `./domainflow-report-${batch}.csv`;
          try {
            writeReport(resolve(path), await reportRows(rt.engine.store, ops));
            report = path;
          } catch (err) {
            // Checked before the batch, yet gone meanwhile: the batch's outcome is still told.
            console.error(`domainflow bulk: the report was not written to ${path}: ${err instanceof Error ? err.message : String(err)}`);
            reportFailed = true;
          }
        }
        if (flags.wait) for (const line of formatSummary(batch, t, Date.now() - started)) say(line);
        else say(`follow it: npx domainflow list --batch ${batch}`);
        if (report) say(`report: ${report}`);
        const outcome = outcomeOf(batch, submitted.operations.length, skipped, t, report);
        if (flags.json) printJson(outcome);
        if (!flags.wait) return reportFailed ? 1 : 0;
        return outcome.failed > 0 || reportFailed ? 1 : 0;
      });
    });
}
