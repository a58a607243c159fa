// register / renew / transfer / delete DOMAIN: validate, submit, and with
// --wait follow the operation to its end.
import type { Command } from 'commander';
import type { OperationType } from '../../../machines/contract.ts';
import { parseSubmission, type Submission } from '../../operations/input.ts';
import { printJson, UsageError, withRuntime } from '../cli-runtime.ts';
import { follow, withoutHistory } from '../follow.ts';

interface SubmitFlags {
  period?: string;
  auth?: string;
  ns?: string[];
  key?: string;
  owner?: string;
  expiration?: string;
  wait?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function toRaw(type: OperationType, domain: string, flags: SubmitFlags): Record<string, unknown> {
  const raw: Record<string, unknown> = { type, domain };
  if (flags.period !== undefined) raw.period = /^\d+$/.test(flags.period) ? Number(flags.period) : flags.period;
  if (flags.auth !== undefined) raw.auth = flags.auth;
  if (flags.ns !== undefined) raw.ns = flags.ns;
  if (flags.key !== undefined) raw.key = flags.key;
  if (flags.expiration !== undefined) raw.expiration = flags.expiration;
  if (flags.owner !== undefined) raw.contacts = { owner: flags.owner };
  return raw;
}

export function registerSubmitCommands(program: Command): void {
  const specs: { type: OperationType; summary: string }[] = [
    { type: 'register', summary: 'register a domain (CheckDomain, AddDomain)' },
    { type: 'renew', summary: 'renew a domain (StatusDomain, RenewDomain with the expiration guard)' },
    { type: 'transfer', summary: 'transfer a domain in (CheckDomainTransfer, TransferDomain, status polls)' },
    { type: 'delete', summary: 'delete a domain (DeleteDomain)' },
  ];
  for (const { type, summary } of specs) {
    const cmd = program.command(`${type} <domain>`).description(summary);
    if (type !== 'delete') cmd.option('--period <years>', 'period in years, 1-10');
    if (type === 'transfer') cmd.option('--auth <code>', 'the transfer auth code (required; stored encrypted)');
    if (type === 'register') {
      cmd.option('--ns <host>', 'a name server (repeatable)', collect);
      cmd.option('--owner <handle>', 'owner contact handle (default: the account default)');
    }
    if (type === 'renew') cmd.option('--expiration <date>', 'the current expiration, when known (saves a StatusDomain)');
    cmd
      .option('--key <key>', 'idempotency key: the same key always names the same operation')
      .option('--wait', 'follow the operation to its end; exit 0 if it succeeded, 1 if it failed')
      .option('--json', 'print the operation as JSON (last line)')
      .action((domain: string, flags: SubmitFlags) => {
        let value!: Submission;
        const validate = () => {
          const parsed = parseSubmission(toRaw(type, domain, flags));
          if (!parsed.ok) throw new UsageError(parsed.error, parsed.field);
          value = parsed.value;
        };
        return withRuntime(flags.json, async (rt) => {
          const { operation, created } = await rt.engine.store.submit(value);
          const note = created ? `submitted ${operation.id}` : `already submitted as ${operation.id} (key ${value.key})`;
          if (!flags.json) {
            // stdout starts with the id alone (ID=$(domainflow register x.com)); what it means goes to stderr
            console.log(operation.id);
            if (!created) console.error(note);
          } else if (flags.wait) {
            console.error(note);
          }
          if (!flags.wait) {
            if (flags.json) printJson(operation);
            return 0;
          }
          const end = await follow(rt.engine.store, operation.id, (line) => (flags.json ? console.error(line) : console.log(line)));
          if (flags.json) printJson(withoutHistory(end));
          return end.status === 'succeeded' ? 0 : 1;
        }, validate);
      });
  }
}
