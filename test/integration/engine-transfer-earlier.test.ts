// StatusDomainTransfer shows a domain's last transfer, which may be an earlier one
// that ended before this operation sent anything. The engine, against the
// simulated registrar over HTTP, with a TransferDomain request lost on its way
// there (the registrar never saw it): an ended transfer requested well before
// the operation's request is an earlier one, so the request is sent again and
// the transfer goes through once; one requested about when the request was sent
// is taken as the operation's own, and the operation fails as it did.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uncertainOutcome, type Outcome } from '../../src/registrar/outcome.ts';
import type { CallOptions, Registrar } from '../../src/registrar/client.ts';
import { flattenCommand, type CommandInput } from '../../src/registrar/request.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { startSim, type SimHandle } from '../../src/sandbox/server.ts';
import type { TransferRecord } from '../../src/sandbox/state.ts';
import { createHarness, type Harness } from '../helpers/engine-harness.ts';

let sim: SimHandle;
const harnesses: Harness[] = [];

beforeAll(async () => {
  sim = await startSim({ port: 0, host: '127.0.0.1', transferSeconds: 1, rate: 10_000, seed: 7, taken: ['earlier-xfer.com', 'near-xfer.com'] });
});

afterAll(async () => {
  for (const h of harnesses) await h.close();
  await sim?.close();
});

/** The sim's client, except that the first TransferDomain REQUEST never reaches the registrar: its outcome is unknown. */
function losingFirstRequest(real: Registrar): Registrar & { lost: number } {
  return {
    lost: 0,
    async call(input: CommandInput, options?: CallOptions): Promise<Outcome> {
      const flat = flattenCommand(input);
      if (flat.COMMAND === 'TransferDomain' && String(flat.ACTION).toUpperCase() === 'REQUEST' && this.lost === 0) {
        this.lost++;
        return uncertainOutcome('connection_reset', 'the connection closed before the request was sent (test)', 1);
      }
      return real.call(input, options);
    },
    close: () => real.close(),
  };
}

/** An earlier transfer of `domain` by this account, rejected by the losing side, requested `agoMs` before now. */
async function earlierRejectedTransfer(h: Harness, domain: string, agoMs: number): Promise<void> {
  sim.registry.state.denyTransfers.add(domain);
  const client = h.client(sim.url);
  const asked = await client.call({ COMMAND: 'TransferDomain', DOMAIN: domain, ACTION: 'REQUEST', AUTH: SIM_DEFAULTS.foreignAuthCode });
  expect(asked.code).toBe(200);
  sim.advanceClock(2_000);
  const [record] = sim.registry.transfersOf(domain);
  expect(record?.status).toBe('clientRejected');
  // as if it had been asked for that long ago (the sim's clock only moves forward)
  (record as { requested: number }).requested = Date.now() - agoMs;
  sim.registry.state.denyTransfers.delete(domain);
}

/**
 * A transfer operation whose first request is lost, after an earlier rejected transfer `agoMs`
 * old; the sim's clock moves on meanwhile, so that a pending transfer is approved. Returns the
 * operation as it ended, its history, and how many requests were lost.
 */
async function transferAfterEarlier(name: string, domain: string, agoMs: number) {
  const h = createHarness(name);
  harnesses.push(h);
  await earlierRejectedTransfer(h, domain, agoMs);
  const registrar = losingFirstRequest(h.client(sim.url));
  const worker = h.engine.startWorker({ registrar, concurrency: 2 });
  const timer = setInterval(() => sim.advanceClock(500), 100);
  try {
    const op = await h.engine.store.submit({ type: 'transfer', domain, auth: SIM_DEFAULTS.foreignAuthCode });
    const [final] = await h.waitAllFinal([op.operation.id], 20_000);
    return { final, history: await h.engine.store.history(op.operation.id), lost: registrar.lost };
  } finally {
    clearInterval(timer);
    await worker.close();
  }
}

it('an ended transfer requested long before the lost request is an earlier one: the request is sent again and the transfer goes through once', async () => {
  const domain = 'earlier-xfer.com';
  const { final, history, lost } = await transferAfterEarlier('xfer-earlier', domain, 3_600_000);
  expect(lost).toBe(1);
  expect(final).toMatchObject({ status: 'succeeded' });
  // the lost request, then the one sent again once StatusDomainTransfer showed only the earlier transfer
  expect(history.filter((e) => e.command === 'TransferDomain').map((e) => e.code)).toEqual([421, 200]);
  expect(history.some((e) => e.command === 'StatusDomainTransfer' && e.code === 200)).toBe(true);
  expect(sim.effects()[domain]?.transferred).toBe(1);
  expect(sim.registry.transfersOf(domain).map((r: TransferRecord) => r.status)).toEqual(['clientRejected', 'serverApproved']);
});

it("an ended transfer requested about when the request was lost is taken as the operation's own: it fails transfer_rejected, nothing sent again", async () => {
  const domain = 'near-xfer.com';
  const { final, history, lost } = await transferAfterEarlier('xfer-near', domain, 60_000);
  expect(lost).toBe(1);
  expect(final).toMatchObject({ status: 'failed', failure: { type: 'transfer_rejected' } });
  expect(history.filter((e) => e.command === 'TransferDomain').map((e) => e.code)).toEqual([421]);
  expect(sim.effects()[domain]?.transferred ?? 0).toBe(0);
  expect(sim.registry.transfersOf(domain)).toHaveLength(1);
});
