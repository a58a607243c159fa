// Runs one operation's job: restore its machine, perform the commands it asks
// for, feed the replies back, and checkpoint before every command that changes
// registrar state, so a worker killed at any instant is resumed elsewhere
// without repeating an effect (a first run's first effect goes on the run's own
// start, which BullMQ records: see first-run.ts). Delays are BullMQ
// delayed jobs: no worker sleeps through a 4xx backoff or a transfer poll.
//
// Redis round trips are the cost of a run, so each step does as few as it can:
// one checkpoint before each state-changing command but a first run's first (it
// also passes the gate and checks the domain claim). begin-run (claim the domain, pass the gate) only when
// the operation does not own its domain yet or this process's gate view is not
// known open; finish-run (history, hand the domain on) only when operations wait
// for the domain; with a rate limit, a slot per command too.
import { DelayedError, type Job } from 'bullmq';
import type { NextAction, OperationEvent, OperationInput, OperationOutput } from '../../machines/contract.ts';
import { nextAction, planFor, type MachinePlan, type PlanSnapshot } from '../../machines/index.ts';
import { toStepReply } from '../../machines/step-reply.ts';
import { PARK_MS } from './domain-lock.ts';
import { historyEntry, UNCERTAIN_WORKER_LOST } from './history.ts';
import { LockClock } from './lock-clock.ts';
import { mayGoWithoutCheckpoint, resumeAfterLostRun, runsBefore } from './first-run.ts';
import { ownerRenewalDue } from './lua/run.ts';
import { machineInput } from './machine-input.ts';
import type { HistoryEntry, InFlight, OpData } from './operation.ts';
import { waitForSlot } from './rate-slot.ts';
import { openSecrets } from './secret-box.ts';
import { CancelTaken, cancelNeedsRun, LostJobError, parkDelay, type JobResult, type RunnerDeps } from './run-contract.ts';
import { asLines, beginRun, giveUpDomain, handOnDomain, jobEnd } from './run-scripts.ts';

export class Run {
  private readonly data: OpData;
  /** History lines not written yet. */
  private readonly history: HistoryEntry[] = [];
  /** Operations wait for this domain (as of the last script): the run hands it on when it ends. */
  private waiters = false;
  /** The job data the last checkpoint of this run wrote (JSON). */
  private written: string | undefined;
  /** The worker_lost line this run made up for the last run's in-flight marker, until written. */
  private synthesized: HistoryEntry | undefined;
  private readonly plan: MachinePlan;
  private snapshot!: PlanSnapshot;
  private input: OperationInput | undefined;
  /**
   * A state-changing command that may have been sent with nothing in Redis saying so (this run's
   * first effect, sent on the first-run checkpoint, or the earlier run's this one resumes), until
   * this run writes a checkpoint.
   */
  private unwritten: InFlight | undefined;
  /** How long a command stays this run's: see LockClock. */
  private readonly lock: LockClock;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly job: Job<OpData, JobResult>,
    private readonly token: string,
  ) {
    // The fields a run sets come first, in one shape for every run (set on a copy of another shape, each
    // would cost a hidden-class change, measured at about 1 us a run); JSON leaves the undefined ones out.
    this.data = Object.assign({ fl: undefined, snap: undefined, w: undefined }, job.data);
    this.plan = planFor(this.data.t);
    this.lock = new LockClock(job.processedOn ?? Date.now(), deps.checkpoints.lockMs);
  }

  private get id(): string {
    return this.job.id as string;
  }

  /**
   * A run, from where the job's data (or, after the run took a cancel, its last checkpoint: see
   * CancelTaken) leaves the operation.
   */
  async execute(): Promise<JobResult> {
    // An operation that owns its domain (claimed at submission) starts at once while this
    // process knows the account's gate to be open: the checkpoint before any effect checks
    // the gate in Redis again. Otherwise begin-run claims the domain and passes the gate.
    if (this.data.o === 1 && this.deps.gate.open()) {
      const restored = this.restore();
      if (restored) await restored;
      return this.proceed();
    }
    // A cancel that goes through the run may send commands, which needs the domain: claimed before it hears of a cancel.
    const claimFirst = cancelNeedsRun(this.plan, this.data, runsBefore(this.job));
    const begun = beginRun(this.deps, { id: this.id, domain: this.data.d, token: this.token, submittedAt: this.job.timestamp }, claimFirst);
    // Restoring the machine is CPU work: do it while Redis answers.
    let restored: Promise<void>;
    try {
      restored = this.restore() ?? Promise.resolve();
    } catch (err) {
      // Not thrown here: begin-run's reply is awaited first, so that it cannot go unhandled.
      restored = Promise.reject(err);
    }
    // Awaited below: a restore that fails meanwhile must not count as an unhandled rejection.
    restored.catch(() => undefined);
    const [status, ms, wake, waiting] = await begun;
    await restored;
    await this.deps.domains.wake(wake);
    this.waiters = waiting > 0;
    if (status === 4) throw new LostJobError();
    // Another operation owns the domain: wait to be handed it, or look again.
    if (status === 6) return this.domainLost();
    if (status === 5) {
      if (claimFirst) this.data.o = 1;
      return this.cancelled();
    }
    if (status === 2) return this.parkForBreaker();
    if (status === 1) return this.handBack(Date.now() + ms);
    this.data.o = 1;
    return this.proceed();
  }

  /** The run proper: the run owns the domain and the gate was open. */
  private async proceed(): Promise<JobResult> {
    this.inFlightLost();
    let action = nextAction(this.snapshot);
    if (action.kind === 'wait') {
      if (this.data.w && this.data.w > Date.now() + 50) return this.handBack(this.data.w);
      action = this.send({ type: 'RESUME', now: Date.now() });
    }
    for (;;) {
      if (action.kind === 'final') return this.finish(action.output);
      if (action.kind === 'wait') return this.handBack(Date.now() + action.delayMs);
      await this.command(action);
      action = nextAction(this.snapshot);
    }
  }

  /** The last run checkpointed before a state-changing command and never recorded its reply: its outcome is unknown. */
  private inFlightLost(): void {
    if (!this.data.fl) return;
    this.synthesized = historyEntry(this.data.fl.command, this.data.fl.step, UNCERTAIN_WORKER_LOST, 0, {}, this.attempt(this.data.fl.step));
    this.history.push(this.synthesized);
    this.data.fl = undefined;
    this.send({ type: 'REPLY', reply: UNCERTAIN_WORKER_LOST, now: Date.now(), random: Math.random() });
  }

  /**
   * The machine where the last checkpoint left it (it carries its context), or at its start; or,
   * when an earlier run may have sent the first effect with nothing written (see
   * first-run.ts), where the machine resumes then.
   */
  private restore(): Promise<void> | undefined {
    const snap = this.data.snap as Record<string, unknown> | undefined;
    // A fresh start needs nothing from Redis: no promise (a run's awaits are a measurable share of its cost).
    if (!snap) {
      const input = machineInput(this.data, this.deps.defaults, this.deps.policy, Date.now());
      this.input = input;
      const resume = resumeAfterLostRun(this.plan, this.data, input, this.job);
      if (resume) {
        this.snapshot = resume.snapshot;
        // Until this run writes, the data it gives up (domainLost) says the effect may have gone.
        this.unwritten = resume.marker;
        // At the effect: as if the earlier run had checkpointed it in flight (proceed, or a cancel,
        // makes its outcome unknown). At a step that reads what happened: nothing to make up.
        this.data.fl = resume.unknown ? resume.marker : undefined;
        return undefined;
      }
      this.snapshot = this.plan.start(input);
      return undefined;
    }
    return this.deps.policies.expand(snap).then((expanded) => {
      this.snapshot = this.plan.restore(expanded);
    });
  }

  private send(event: OperationEvent): NextAction {
    this.snapshot = this.plan.send(this.snapshot, event);
    return nextAction(this.snapshot);
  }

  private attempt(step: string): number {
    return (this.snapshot.context.attempts[step] ?? 0) + 1;
  }

  /** Wait for a slot of the account's rate; false when the run was handed back instead. */
  private async takeSlot(): Promise<string | false> {
    const wait = await waitForSlot(this.deps.account, this.id, this.token, this.deps.shutdown);
    switch (wait.kind) {
      case 'go':
        this.lock.renewed(wait.at);
        return wait.slot;
      case 'lost':
        throw new LostJobError();
      case 'cancelled':
        return this.cancelled();
      case 'breaker':
        return this.parkForBreaker();
      case 'later':
        return this.handBack(wait.at);
    }
  }

  private async command(action: Extract<NextAction, { kind: 'command' }>): Promise<void> {
    const { account, registrar } = this.deps;
    const slot = account.limited ? await this.takeSlot() : undefined;
    if (slot === false) return;
    if (!account.limited && !action.changesState) {
      // Neither a rate slot nor a checkpoint asks Redis about the gate before this read: a read
      // between two replies of a run waits out a 422 pause (or a breaker) the process knows of.
      const shut = this.deps.gate.shut();
      if (shut === 'breaker') return this.parkForBreaker();
      if (shut !== undefined) return this.handBack(shut);
    }
    // A first run's first effect goes on the run's own start (first-run.ts), while it has written nothing.
    const firstRun = action.changesState && this.written === undefined && this.unwritten === undefined && this.input !== undefined;
    if (firstRun && mayGoWithoutCheckpoint(this.job, this.deps, this.plan, this.input!, action.step)) {
      this.unwritten = { step: action.step, command: action.command, at: Date.now() };
    } else if (action.changesState) {
      const at = Date.now();
      this.data.fl = { step: action.step, command: action.command, at };
      // The rate limiter's slot passed the gate just now; without one, the checkpoint passes it.
      const shut = await this.checkpoint(!account.limited);
      if (shut) {
        this.data.fl = undefined;
        if (slot) await account.settle(slot);
        return this.refused(shut);
      }
      this.lock.renewed(at);
    }
    const params = action.secrets ? openSecrets(this.deps.secrets, action.params, action.secrets, this.data.s) : action.params;
    const outcome = await registrar.call(Object.assign({ COMMAND: action.command }, params), this.lock.fence());
    if (slot) await account.settle(slot);
    // Still waiting for a connection when the job may have passed to another worker (a Redis
    // outage stops lock renewals; connection leases are in Redis too): nothing was sent, and the
    // machine hears nothing of it. The job goes back for a moment, if it is still this worker's.
    if (outcome.kind === 'uncertain' && outcome.reason === 'not_sent') {
      this.data.fl = undefined;
      return this.handBack(Date.now() + this.deps.policy.temporary.baseMs);
    }
    const reply = toStepReply(outcome);
    const entry = historyEntry(action.command, action.step, reply, outcome.ms, params, this.attempt(action.step));
    this.history.push(entry);
    this.deps.onCommand?.(entry, outcome);

    this.data.fl = undefined;
    // Another operation already stopped the account for the same cause: this one had no effect
    // and stays queued (the step runs again after `domainflow resume`).
    const heard = account.heard(outcome, action.operationCodes, this.id, this.deps.policy.lockPauseMs);
    if (heard && (await heard) === 'stopped already') return this.parkForBreaker();
    this.send({ type: 'REPLY', reply, now: Date.now(), random: Math.random() });
  }

  /**
   * Write the snapshot, the in-flight marker and the new history lines in one step. With
   * `gate`, nothing is written when the account's gate is shut, and that is returned.
   */
  private async checkpoint(gate = false, takeCancel = false): Promise<{ status: number; ms: number } | undefined> {
    this.data.snap = this.deps.policies.compact(this.plan.stored(this.snapshot));
    const data = JSON.stringify(this.data);
    const [status, ms, waiting] = await this.deps.checkpoints.write({
      id: this.id,
      domain: this.data.d,
      token: this.token,
      data,
      gate,
      takeCancel,
      renewOwner: ownerRenewalDue(this.job.timestamp, Date.now()),
      entries: asLines(this.history),
    });
    if (status === 0 || status === -1) throw new LostJobError();
    if (status !== 1) return { status, ms };
    this.written = data;
    this.unwritten = undefined;
    this.synthesized = undefined;
    this.history.length = 0;
    this.waiters = waiting > 0;
    return undefined;
  }

  /** Another operation owns the domain: give it up (giveUpDomain), and wait to be handed it or look again (parkDelay). */
  private async domainLost(): Promise<never> {
    // What Redis holds: the last checkpoint's data, else the job's as found, with the effect that may have gone unwritten.
    const stored = this.written ? (JSON.parse(this.written) as OpData) : this.unwritten ? { ...this.job.data, fl: this.unwritten } : this.job.data;
    await giveUpDomain(this.deps, this.job, stored, this.history, this.synthesized);
    return this.delay(Date.now() + parkDelay(Date.now() - this.job.timestamp));
  }

  /** Checkpoint and delay the job until `at`; the run ends here. */
  private async handBack(at: number): Promise<never> {
    this.data.w = at;
    const shut = await this.checkpoint();
    // About to wait: the right moment for a cancel that came while the run was under way.
    if (shut) return this.refused(shut);
    return this.delay(at);
  }

  /** A checkpoint wrote nothing: cancelled (5), the domain is not ours (6), the gate is shut (2, 3). */
  private refused(shut: { status: number; ms: number }): Promise<never> {
    if (shut.status === 5) return this.cancelled();
    if (shut.status === 6) return this.domainLost();
    if (shut.status === 2) return this.parkForBreaker();
    return this.handBack(Date.now() + shut.ms);
  }

  private async delay(at: number): Promise<never> {
    await this.job.moveToDelayed(Math.ceil(at), this.token);
    throw new DelayedError('waiting');
  }

  /** The breaker is open: wait (queued) until the account resumes, which wakes parked jobs. */
  private async parkForBreaker(): Promise<never> {
    await this.deps.account.park(this.id);
    return this.handBack(Date.now() + PARK_MS);
  }

  /**
   * The operation was cancelled. Mostly it ends here as failed (`cancelled`): finish throws.
   * Where the registrar may have acted, or the cancel goes to the registrar (a transfer pending
   * there), the machine takes the cancel and goes on instead: its snapshot, written with the
   * cancel flag deleted in the same step, carries the cancel from now on, and the runner runs
   * the job again from there (CancelTaken). Never returns.
   */
  private async cancelled(): Promise<never> {
    // A command in flight when a worker died: the machine must know its outcome is unknown first.
    this.inFlightLost();
    const action = this.send({ type: 'CANCEL', reason: 'cancelled by a user' });
    if (action.kind === 'final') {
      await this.finish(action.output);
      throw new Error('a cancelled operation cannot succeed');
    }
    // Out of a wait (to a step that cancels at the registrar): the wait's time means nothing now.
    if (action.kind !== 'wait') this.data.w = undefined;
    const shut = await this.checkpoint(false, true);
    if (shut) return this.refused(shut);
    throw new CancelTaken();
  }

  /**
   * The operation ended. With operations waiting for the domain: write the last history lines
   * and hand the domain on (one script). Without: nothing to write now. The lines go with the
   * job's result or failed reason, which BullMQ writes as it completes the job, and the domain
   * is released lazily (an ended owner does not hold it: see OWNER_TTL_MS).
   */
  private async finish(output: OperationOutput): Promise<JobResult> {
    let tail = this.history;
    if (this.waiters || this.deps.gate.notices.waitedFor(this.id)) {
      await handOnDomain(this.deps, { id: this.id, domain: this.data.d, token: this.token }, tail);
      tail = [];
    }
    this.deps.onFinal?.(this.data, output);
    return jobEnd(output, tail);
  }
}
