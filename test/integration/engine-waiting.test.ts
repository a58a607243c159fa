// Waiting without holding a worker. An operation told to try again later (a 4xx
// reply) waits as a delayed job: the worker runs other operations meanwhile and
// sends nothing more for it until its wait is over. A cancel ends such a wait at
// once, and so it does for an operation waiting its turn for a domain that
// another operation holds. The engine against the simulated registrar in this
// process, through a Registrar that makes up the replies a test needs (or holds
// one back) and records every command it is given.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CallOptions, Registrar } from '../../src/registrar/client.ts';
import { replyOutcome, type Outcome } from '../../src/registrar/outcome.ts';
import { flattenCommand, type CommandInput } from '../../src/registrar/request.ts';
import { startSim, type SimHandle } from '../../src/sandbox/server.ts';
import { createHarness, fastPolicy, waitFor, type Harness } from '../helpers/engine-harness.ts';

let sim: SimHandle;
const harnesses: Harness[] = [];

beforeAll(async () => {
  sim = await startSim({ port: 0, host: '127.0.0.1', rate: 10_000, seed: 11 });
});

afterAll(async () => {
  for (const h of harnesses) await h.close();
  await sim?.close();
});

/** A harness whose 4xx backoff is exactly `backoffMs` (no jitter below the base). */
function harness(name: string, backoffMs: number): Harness {
  const h = createHarness(name, { policy: fastPolicy({ temporary: { baseMs: backoffMs, capMs: backoffMs }, floorRatio: 1 }) });
  harnesses.push(h);
  return h;
}

interface Sent {
  readonly domain: string;
  readonly command: string;
  readonly at: number;
}
/** What the test answers for a domain's command instead of the sim (`pass` asks the sim). */
type Answer = (command: string, pass: () => Promise<Outcome>) => Promise<Outcome>;

/** The sim's client, except for the domains given an answer; `sent` records every command, in order. */
function scripted(real: Registrar, answers: Record<string, Answer>): Registrar & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    call(input: CommandInput, options?: CallOptions): Promise<Outcome> {
      const { COMMAND: command = '', DOMAIN: domain = '' } = flattenCommand(input);
      sent.push({ domain, command, at: Date.now() });
      const pass = () => real.call(input, options);
      return answers[domain]?.(command, pass) ?? pass();
    },
    close: () => real.close(),
  };
}

/** 421 "try again" to the domain's first command, the sim's replies after that. */
function tryAgainOnce(): Answer {
  let first = true;
  return async (_command, pass) => {
    if (!first) return pass();
    first = false;
    return replyOutcome({ code: 421, description: 'Command failed due to server error. Client should try again', properties: {} }, 1);
  };
}

const commandsFor = (registrar: { sent: Sent[] }, domain: string) => registrar.sent.filter((s) => s.domain === domain).map((s) => s.command);

it('runs other operations while one waits out a 4xx backoff: no worker sleeps through it', async () => {
  const h = harness('wait-4xx', 20_000);
  const registrar = scripted(h.client(sim.url), { 'wait-later.com': tryAgainOnce() });
  // One operation at a time: a worker that slept through A's backoff could run nothing else.
  const worker = h.engine.startWorker({ registrar, concurrency: 1 });
  try {
    const a = (await h.engine.store.submit({ type: 'register', domain: 'wait-later.com', period: 1 })).operation.id;
    const b = (await h.engine.store.submit({ type: 'register', domain: 'wait-other.com', period: 1 })).operation.id;
    const [done] = await h.waitAllFinal([b], 5_000);
    expect(done).toMatchObject({ status: 'succeeded' });
    // A still waits, as a delayed job, until about 20 s after its 421.
    const view = await h.engine.store.get(a, true);
    expect(view).toMatchObject({ status: 'waiting', history: [{ command: 'CheckDomain', code: 421 }] });
    expect(await h.engine.queue.getJobState(a)).toBe('delayed');
    expect(Date.parse(view!.nextRunAt!) - Date.now()).toBeGreaterThan(15_000);
    // Nothing was sent for A after its 421, while B ran from start to end.
    expect(commandsFor(registrar, 'wait-later.com')).toEqual(['CheckDomain']);
    expect(commandsFor(registrar, 'wait-other.com')).toEqual(['CheckDomain', 'AddDomain']);
    expect(sim.effects()['wait-later.com']).toBeUndefined();
    expect(sim.effects()['wait-other.com']?.registered).toBe(1);
  } finally {
    await worker.close();
  }
});

it('cancels an operation waiting out a 4xx backoff at once, and nothing more is sent for it', async () => {
  const h = harness('cancel-4xx', 3_000);
  const domain = 'wait-cancel.com';
  const registrar = scripted(h.client(sim.url), { [domain]: tryAgainOnce() });
  const worker = h.engine.startWorker({ registrar, concurrency: 1 });
  try {
    const id = (await h.engine.store.submit({ type: 'register', domain, period: 1 })).operation.id;
    await waitFor(async () => (await h.engine.queue.getJobState(id)) === 'delayed', 5_000, 'the operation to wait after its 421');
    const asked = Date.now();
    const cancelled = await h.engine.store.cancel(id);
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(cancelled).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', code: 0, step: 'checkDomain' } });
    // Past the moment its backoff would have ended: still cancelled, and nothing sent after the 421.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(await h.engine.store.get(id, true)).toMatchObject({ status: 'cancelled', history: [{ command: 'CheckDomain', code: 421 }] });
    expect(await h.engine.queue.getJobState(id)).toBe('failed');
    expect(commandsFor(registrar, domain)).toEqual(['CheckDomain']);
    expect(sim.effects()[domain]).toBeUndefined();
  } finally {
    await worker.close();
  }
});

it('cancels an operation waiting its turn for a domain another operation holds; that one still succeeds', async () => {
  const h = harness('cancel-turn', 20_000);
  const domain = 'wait-turn.com';
  // The first operation's CheckDomain is answered only once the test lets it through.
  let letThrough!: () => void;
  const held = new Promise<void>((resolve) => (letThrough = resolve));
  const registrar = scripted(h.client(sim.url), { [domain]: (command, pass) => (command === 'CheckDomain' ? held.then(pass) : pass()) });
  const worker = h.engine.startWorker({ registrar, concurrency: 2 });
  try {
    const first = (await h.engine.store.submit({ type: 'register', domain, period: 1 })).operation.id;
    const second = (await h.engine.store.submit({ type: 'renew', domain, period: 1 })).operation.id;
    await waitFor(() => commandsFor(registrar, domain).length === 1, 5_000, 'the first operation to send its CheckDomain');
    // The second has tried to run and was put aside (delayed) until the domain is its turn.
    await waitFor(async () => (await h.engine.queue.getJobState(second)) === 'delayed' && (await h.engine.store.get(second, false))?.status === 'waiting', 5_000, 'the second operation to wait its turn');
    // It says when it looks again (its run wrote nothing: the time comes from BullMQ's delay).
    const parked = await h.engine.store.get(second, false);
    expect(Date.parse(parked!.nextRunAt!)).toBeGreaterThan(Date.now());
    expect(Date.parse(parked!.nextRunAt!)).toBeLessThanOrEqual(Date.now() + 30_000);
    await h.engine.store.cancel(second);
    const [ended] = await h.waitAllFinal([second], 2_000);
    expect(ended).toMatchObject({ status: 'cancelled', failure: { type: 'cancelled', code: 0 } });
    expect(await h.engine.store.history(second)).toEqual([]);
    expect(await h.engine.queue.getJobState(first)).toBe('active');

    letThrough();
    const [done] = await h.waitAllFinal([first], 5_000);
    expect(done).toMatchObject({ status: 'succeeded' });
    // Only the first operation's commands reached the registrar: the renew never ran.
    expect(commandsFor(registrar, domain)).toEqual(['CheckDomain', 'AddDomain']);
    expect(sim.effects()[domain]).toMatchObject({ registered: 1, renewed: 0 });
    // The cancelled operation left no claim on the domain: the next one runs at once.
    const third = (await h.engine.store.submit({ type: 'renew', domain, period: 1 })).operation.id;
    const [renewed] = await h.waitAllFinal([third], 3_000);
    expect(renewed).toMatchObject({ status: 'succeeded' });
  } finally {
    letThrough();
    await worker.close();
  }
});

it('a read right after a reply waits out a 422 pause this process knows of, with no rate limit to ask about it', async () => {
  const h = harness('wait-pause', 30);
  const PAUSE_MS = 1_500;
  let pausedAt = 0;
  // AddDomain: meanwhile another worker got a 422 (the account pauses); the reply is 554, which the
  // register follows at once with a StatusDomain: that read must wait for the pause to end.
  const registrar = scripted(h.client(sim.url), {
    'wait-paused.com': async (command, pass) => {
      if (command !== 'AddDomain') return pass();
      // taken before the pause starts: the pause ends PAUSE_MS after this at the earliest
      pausedAt = Date.now();
      await h.engine.account.startLockPause(PAUSE_MS);
      // the process hears of the pause on the account's channel
      await waitFor(() => h.engine.accountGate().shut() !== undefined, 2_000, "the process's view of the pause");
      return replyOutcome({ code: 554, description: 'Domain already registered', properties: {} }, 1);
    },
  });
  const worker = h.engine.startWorker({ registrar, concurrency: 2 });
  try {
    const id = (await h.engine.store.submit({ type: 'register', domain: 'wait-paused.com', period: 1 })).operation.id;
    const [final] = await h.waitAllFinal([id], 10_000);
    // the sim never registered it: StatusDomain says not ours, so it was someone else's
    expect(final).toMatchObject({ status: 'failed', failure: { type: 'domain_already_registered' } });
    expect(commandsFor(registrar, 'wait-paused.com')).toEqual(['CheckDomain', 'AddDomain', 'StatusDomain']);
    const status = registrar.sent.find((s) => s.domain === 'wait-paused.com' && s.command === 'StatusDomain')!;
    expect(status.at - pausedAt).toBeGreaterThanOrEqual(PAUSE_MS - 20);
  } finally {
    await worker.close();
  }
});

/**
 * A registration whose first `late` command waits 1.3 s before going to the registrar, as if for a
 * connection (another process held them all), with a job lock of 2 s: a command must leave within
 * 1 s of the lock's last renewal. Its final state, history, the commands the run asked for, and
 * those the sim saw.
 */
async function registerWithLateCommand(name: string, domain: string, late: string) {
  const h = createHarness(name, { stallMs: 2_000, policy: fastPolicy() });
  harnesses.push(h);
  let waited = false;
  const registrar = scripted(h.client(sim.url), {
    [domain]: async (command, pass) => {
      if (command === late && !waited) {
        waited = true;
        await new Promise((r) => setTimeout(r, 1_300));
      }
      return pass();
    },
  });
  const worker = h.engine.startWorker({ registrar, concurrency: 1 });
  try {
    const id = (await h.engine.store.submit({ type: 'register', domain, period: 1 })).operation.id;
    const [final] = await h.waitAllFinal([id], 15_000);
    const history = await h.engine.store.history(id);
    const atSim = (await (await fetch(`${sim.baseUrl}/_sim/log?domain=${domain}`)).json()) as { command: string }[];
    return { final, history: history.map((e) => [e.command, e.code]), asked: commandsFor(registrar, domain), atSim: atSim.map((e) => e.command) };
  } finally {
    await worker.close();
  }
}

// The late command was asked for, never sent, and left no trace in the history: the next run sent it.
it.each([
  ["a state-changing command still waiting for a connection when half its job lock's time is gone is not sent: the job goes back, and the domain is registered once", 'fenced.com', 'AddDomain', ['CheckDomain', 'AddDomain', 'AddDomain']],
  ["a read still waiting for a connection when half the job lock's time since the job was fetched is gone is not sent, and is asked for again", 'fenced-read.com', 'CheckDomain', ['CheckDomain', 'CheckDomain', 'AddDomain']],
])('%s', async (_title, domain, late, askedFor) => {
  const { final, history, asked, atSim } = await registerWithLateCommand(`fence-${late}`, domain, late);
  expect(final).toMatchObject({ status: 'succeeded' });
  expect(asked).toEqual(askedFor);
  expect(atSim).toEqual(['CheckDomain', 'AddDomain']);
  expect(history).toEqual([
    ['CheckDomain', 210],
    ['AddDomain', 200],
  ]);
  expect(sim.effects()[domain]?.registered).toBe(1);
});
