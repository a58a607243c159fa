// status, list, retry, cancel, pause, resume: reading and steering operations.
import type { Command } from 'commander';
import { LIST_MAX } from '../../engine/listing.ts';
import type { OperationView, OpStatus } from '../../engine/operation.ts';
import type { OperationType } from '../../../machines/contract.ts';
import { OPERATION_TYPES } from '../../operations/input.ts';
import { FAILURE_TYPE } from '../../../machines/failures.ts';
import { printJson, UsageError, withRuntime } from '../cli-runtime.ts';

const STATUSES: readonly OpStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'];
/** What `cancel` says of an operation it could not end at once. */
const CANCEL_UNDER_WAY =
  'it stops before its next command; where the registrar may have acted already, it ends as the registrar says (a transfer pending there is cancelled there first)';

const reasonMessage = (reason: string) => `--reason must be a failure type such as domain_not_available (the README lists them), got ${JSON.stringify(reason.slice(0, 64))}`;

function line(op: OperationView): string {
  const outcome = op.failure ? `${op.failure.type} (${op.failure.code})` : op.result?.expirationDate ? `expires ${op.result.expirationDate}` : '';
  return [op.id, op.type.padEnd(8), op.domain.padEnd(30), op.status.padEnd(9), outcome].join('  ').trimEnd();
}

export function registerManageCommands(program: Command): void {
  program
    .command('status <id>')
    .description('show an operation with its command history')
    .option('--json', 'print it as JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withRuntime(flags.json, async (rt) => {
        const op = await rt.engine.store.get(id, true);
        if (!op) throw new UsageError(`no operation ${id}`, 'id');
        if (flags.json) return printJson(op);
        console.log(line(op));
        const where = [op.state ? `state: ${op.state}` : '', op.nextRunAt ? `next run ${op.nextRunAt}` : ''].filter(Boolean).join(', ');
        if (where) console.log(`  ${where}`);
        if (op.failure) console.log(`  failure: ${op.failure.type} at ${op.failure.step}: ${op.failure.code} ${op.failure.description}`);
        for (const h of op.history ?? []) console.log(`  ${h.at}  ${h.step}: ${h.command} -> ${h.code} ${h.description} (${h.ms} ms, attempt ${h.attempt})`);
      }),
    );

  program
    .command('list')
    .description('list operations')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`)
    .option('--type <type>', `operation type: one of ${OPERATION_TYPES.join(', ')}`)
    .option('--reason <failureType>', 'failure type (domain_not_available, credit_limit_exceeded, ...)')
    .option('--batch <id>', 'operations of one batch')
    .option('--limit <n>', `at most this many (default: all, up to ${LIST_MAX.toLocaleString('en-US')})`)
    .option('--offset <n>', 'skip this many first', '0')
    .option('--json', 'print a JSON array')
    .action((flags: { status?: string; type?: string; reason?: string; batch?: string; limit?: string; offset: string; json?: boolean }) => {
      const limit = flags.limit === undefined ? LIST_MAX : Number(flags.limit);
      const offset = Number(flags.offset);
      const validate = () => {
        if (flags.status && !STATUSES.includes(flags.status as OpStatus)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`, 'status');
        if (flags.type && !OPERATION_TYPES.includes(flags.type as OperationType)) throw new UsageError(`--type must be one of ${OPERATION_TYPES.join(', ')}`, 'type');
        if (flags.reason !== undefined && !FAILURE_TYPE.test(flags.reason)) throw new UsageError(reasonMessage(flags.reason), 'reason');
        if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) throw new UsageError(`--limit must be a whole number from 1 to ${LIST_MAX}`, 'limit');
        if (!Number.isInteger(offset) || offset < 0) throw new UsageError('--offset must be a whole number >= 0', 'offset');
      };
      return withRuntime(flags.json, async (rt) => {
        const { views: ops, more } = await rt.engine.store.listPage({
          ...(flags.status ? { status: flags.status as OpStatus } : {}),
          ...(flags.type ? { type: flags.type as OperationType } : {}),
          ...(flags.reason ? { reason: flags.reason } : {}),
          ...(flags.batch ? { batch: flags.batch } : {}),
          offset,
          limit,
        });
        if (flags.json) printJson(ops);
        else for (const op of ops) console.log(line(op));
        console.error(`${ops.length} operation(s)${more ? `; more match: --offset ${offset + limit}` : ''}`);
      }, validate);
    });

  program
    .command('retry [id]')
    .description('redrive failed operations from the step that failed')
    .option('--reason <failureType>', 'every failed operation with this failure type')
    .option('--batch <id>', 'every failed operation of this batch')
    .option('--json', 'print the redriven operations as JSON')
    .action((id: string | undefined, flags: { reason?: string; batch?: string; json?: boolean }) =>
      withRuntime(flags.json, async (rt) => {
        const ops = id ? [await rt.engine.store.retry(id)] : await rt.engine.store.retryMany({ ...(flags.reason ? { reason: flags.reason } : {}), ...(flags.batch ? { batch: flags.batch } : {}) });
        if (flags.json) return printJson(ops);
        for (const op of ops) console.log(`redriven ${op.id} ${op.domain}`);
        console.error(`${ops.length} operation(s) redriven`);
      }, () => {
        if (!id && !flags.reason && !flags.batch) throw new UsageError('give an operation id, --reason TYPE or --batch ID', 'id');
        // An id redrives that operation alone: a filter beside it would be ignored, so it is refused.
        if (id && (flags.reason || flags.batch)) throw new UsageError(`give an operation id or ${flags.reason ? '--reason' : '--batch'}, not both`, flags.reason ? 'reason' : 'batch');
        if (flags.reason !== undefined && !FAILURE_TYPE.test(flags.reason)) throw new UsageError(reasonMessage(flags.reason), 'reason');
      }),
    );

  program
    .command('cancel <id>')
    .description('cancel an operation that has not ended (a running one stops before its next command; one the registrar may have acted on ends as it says)')
    .option('--json', 'print the operation as JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withRuntime(flags.json, async (rt) => {
        const op = await rt.engine.store.cancel(id);
        if (flags.json) return printJson(op);
        console.log(op.status === 'cancelled' ? `cancelled ${op.id}` : `${op.id} is ${op.status}: ${CANCEL_UNDER_WAY}`);
      }),
    );

  for (const [name, summary] of [
    ['pause', "stop dispatching the account's operations (they stay queued)"],
    ['resume', "close the account's breaker and dispatch again"],
  ] as const) {
    program
      .command(name)
      .description(summary)
      .option('--json', 'print the account state as JSON')
      .action((flags: { json?: boolean }) =>
        withRuntime(flags.json, async (rt) => {
          if (name === 'pause') await rt.engine.account.pause();
          else await rt.engine.account.resume();
          const state = await rt.engine.account.state();
          if (flags.json) return printJson(state);
          console.log(`account ${state.account}: ${state.breaker ? `paused (${state.breaker.reason})` : 'dispatching'}`);
        }),
      );
  }
}
