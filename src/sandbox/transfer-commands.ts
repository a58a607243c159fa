// TransferDomain (REQUEST, CANCEL, APPROVE, DENY), StatusDomainTransfer and
// CheckDomainTransfer. A request with the right auth code stays pending for
// --transfer-seconds of sim time; then the losing side's silence approves it
// (serverApproved), unless the name is on the deny list or starts with "deny-"
// (clientRejected). The losing account may APPROVE or DENY it earlier, the
// gaining one CANCEL it.
import type { Command } from '../registrar/request.ts';
import { answer, ok, refuse, type Answer } from './answer.ts';
import { domainAttr, optional, optionAttr, periodAttr } from './attributes.ts';
import { wireDate } from './clock.ts';
import type { CommandContext } from './command-context.ts';
import type { DomainRecord, TransferRecord } from './state.ts';

const ACTIONS = ['REQUEST', 'CANCEL', 'APPROVE', 'DENY'] as const;
const TRANSFER_FORBIDDEN = ['clientTransferProhibited', 'serverTransferProhibited', 'PENDINGDELETE'];

function transferProperties(r: TransferRecord): Record<string, string | number> {
  const props: Record<string, string | number> = {
    domain: r.domain,
    'transfer status': r.status,
    'request date': wireDate(r.requested),
    period: r.period,
  };
  if (r.finished !== undefined) props['action date'] = wireDate(r.finished);
  return props;
}

function forbids(d: DomainRecord): string | undefined {
  return d.status.find((s) => TRANSFER_FORBIDDEN.includes(s));
}

function request(ctx: CommandContext, cmd: Command, name: string): Answer {
  const { registry, account, now } = ctx;
  const d = registry.domain(name);
  if (!d) refuse(545, name);
  if (d.owner === account.login) refuse(552, 'domain is already in this account');
  if (registry.pendingTransfer(name)) refuse(536);
  const forbidding = forbids(d);
  if (forbidding) refuse(552, forbidding);
  const auth = optional(cmd, 'AUTH');
  if (auth === undefined) refuse(504, 'AUTH');
  if (auth !== d.auth) refuse(530, 'invalid auth code');
  const period = periodAttr(cmd);
  const price = registry.settings.prices.transfer * period;
  if (!registry.charge(account, price)) refuse(546);
  const record = registry.startTransfer(d, account.login, period, price, now);
  return ok(transferProperties(record));
}

export function transferDomain(ctx: CommandContext, cmd: Command): Answer {
  const name = domainAttr(cmd);
  const action = optionAttr(cmd, 'ACTION', ACTIONS, 'REQUEST');
  if (action === 'REQUEST') return request(ctx, cmd, name);
  const { registry, account, now } = ctx;
  const d = registry.domain(name);
  const pending = registry.pendingTransfer(name);
  if (action === 'CANCEL') {
    if (!pending || pending.gaining !== account.login) refuse(d ? 534 : 545, name);
    registry.finishTransfer(pending, 'clientCancelled', now);
    return ok(transferProperties(pending));
  }
  // APPROVE and DENY are the losing side's.
  if (!d || d.owner !== account.login) refuse(545, name);
  if (!pending) refuse(534, name);
  registry.finishTransfer(pending, action === 'APPROVE' ? 'clientApproved' : 'clientRejected', now);
  return ok(transferProperties(pending));
}

export function statusDomainTransfer(ctx: CommandContext, cmd: Command): Answer {
  const name = domainAttr(cmd);
  const record = ctx.registry.lastTransferOf(name, ctx.account.login);
  if (!record) refuse(545, `no transfer of ${name}`);
  return ok(transferProperties(record));
}

export function checkDomainTransfer(ctx: CommandContext, cmd: Command): Answer {
  const { registry, account } = ctx;
  const name = domainAttr(cmd);
  const d = registry.domain(name);
  if (!d) return answer(219, 'domain is not registered');
  if (d.owner === account.login) return answer(219, 'domain is already in this account');
  if (registry.pendingTransfer(name)) return answer(219, 'a transfer is pending');
  const forbidding = forbids(d);
  if (forbidding) return answer(219, forbidding);
  return answer(218);
}
