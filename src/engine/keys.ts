// Every Redis key the engine uses, in one place. Every key starts with the
// prefix as given (DOMAINFLOW_PREFIX): `<prefix>:<queue>:...` (BullMQ's) and
// `<prefix>:df:...` (the engine's own). On a Redis Cluster the prefix carries a
// hash tag (`{domainflow}`), as BullMQ's does there, so that the multi-key
// scripts find all their keys in one slot.

/** BullMQ queue names may not contain ':'; accounts become `ops-<account>`. */
export function queueName(account: string): string {
  return `ops-${account.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export class Keys {
  /** The prefix BullMQ is given: its keys are `<bullPrefix>:<queue>:...`. */
  readonly bullPrefix: string;
  /** BullMQ's job hashes: `<jobPrefix><id>` (the Lua scripts build job keys from it too). */
  readonly jobPrefix: string;
  private readonly base: string;
  private readonly historyPrefix: string;
  private readonly cancelPrefix: string;
  private readonly domainPrefix: string;

  constructor(
    readonly prefix: string,
    readonly account: string,
  ) {
    this.bullPrefix = prefix;
    this.base = `${prefix}:df`;
    this.jobPrefix = `${this.bullPrefix}:${queueName(account)}:`;
    this.historyPrefix = `${this.base}:history:`;
    this.cancelPrefix = `${this.base}:cancel:`;
    this.domainPrefix = `${this.base}:acct:${account}:domain:`;
  }

  get queue(): string {
    return queueName(this.account);
  }

  /** BullMQ's hash for one job (= one operation). */
  job(id: string): string {
    return this.jobPrefix + id;
  }

  /** BullMQ's lock on a job while a worker holds it (value = the worker's token). */
  jobLock(id: string): string {
    return `${this.jobPrefix}${id}:lock`;
  }

  /** BullMQ's lists and sets of this queue, by state. */
  bull(state: 'wait' | 'paused' | 'delayed' | 'prioritized' | 'failed' | 'completed' | 'active' | 'events' | 'meta' | 'marker'): string {
    return `${this.bullPrefix}:${this.queue}:${state}`;
  }

  /** Registrar commands answered within the rate window (sorted set, score = reply time in ms). */
  get rate(): string {
    return `${this.base}:acct:${this.account}:rate`;
  }

  /** When the account's next command is due, to pace commands evenly (ms). */
  get pace(): string {
    return `${this.base}:acct:${this.account}:pace`;
  }

  /** Registrar commands sent and not answered yet (sorted set, score = send time in ms). */
  get inFlight(): string {
    return `${this.base}:acct:${this.account}:in-flight`;
  }

  /** Set while the account is in a 422 cool-down; value = the time it ends (ms). */
  get lockPause(): string {
    return `${this.base}:acct:${this.account}:lock-pause`;
  }

  /** The account's breaker: present = open (JSON: why, by which operation, when). */
  get breaker(): string {
    return `${this.base}:acct:${this.account}:breaker`;
  }

  /** Pub/sub channel: the breaker or the 422 cool-down changed (see GateView). */
  get gateChannel(): string {
    return `${this.base}:acct:${this.account}:gate`;
  }

  /**
   * Pub/sub channel of notices to the processes running operations (see Notices): 'c' + id, the
   * operation was cancelled; 'w' + id, an operation waits for that one's domain.
   */
  get noticeChannel(): string {
    return `${this.base}:acct:${this.account}:notices`;
  }

  /** Connection permits held by processes (sorted set, score = lease expiry). */
  get connections(): string {
    return `${this.base}:acct:${this.account}:connections`;
  }

  /** Operations handed back because the breaker was open: woken when the account resumes. */
  get parked(): string {
    return `${this.base}:acct:${this.account}:parked`;
  }

  /** Which operation owns a domain right now. */
  domainLock(domain: string): string {
    return `${this.domainPrefix}${domain}:owner`;
  }

  /** Operations waiting for a domain, in arrival order. */
  domainQueue(domain: string): string {
    return `${this.domainPrefix}${domain}:waiting`;
  }

  /** A backoff policy that checkpoints refer to by `ref` instead of carrying it (see PolicyRefs). */
  policy(ref: string): string {
    return `${this.base}:policy:${ref}`;
  }

  /** The commands an operation sent (JSON lines). */
  history(id: string): string {
    return this.historyPrefix + id;
  }

  /** A batch: its metadata and counts. */
  batch(id: string): string {
    return `${this.base}:batch:${id}`;
  }

  /** Ids of a batch's operations, in file order. */
  batchMembers(id: string): string {
    return `${this.base}:batch:${id}:ops`;
  }

  /** All batches, newest last (score = created ms). */
  get batches(): string {
    return `${this.base}:batches`;
  }

  /** Every operation of the account by submission time (sorted set, score = its job's timestamp): what lists page through. */
  get operations(): string {
    return `${this.base}:acct:${this.account}:operations`;
  }

  /** Counters the workers flush about once a second (src/metrics/), read by the API at scrape time (hash). */
  get metrics(): string {
    return `${this.base}:acct:${this.account}:metrics`;
  }

  /**
   * What the checkpoint script builds an operation's keys from (see lua/run.ts): the prefixes of
   * job(id) (and its lock), history(id), cancel(id), and domainLock / domainQueue(domain).
   */
  get checkpointPrefixes(): readonly [job: string, history: string, cancel: string, domain: string] {
    return [this.jobPrefix, this.historyPrefix, this.cancelPrefix, this.domainPrefix];
  }

  /** Set when an operation is asked to stop; the runner checks it between steps. */
  cancel(id: string): string {
    return this.cancelPrefix + id;
  }
}
