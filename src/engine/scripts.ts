// The engine's Redis scripts. Each opens with its contract: keys, arguments,
// what it returns. Time comes from Redis (TIME), so every worker on every host
// agrees on it.
import type { Redis } from 'ioredis';

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

export const RESERVE_COMMAND_SLOT = `--[[ reserve-command-slot: the account's registrar rate, shared by every worker
KEYS[1] settled commands: sorted set, member = one command, score = when its reply came back (ms)
KEYS[2] commands in flight: sorted set, score = when they were sent (ms)
KEYS[3] 422 cool-down: present while the account is locked
KEYS[4] breaker: present while the account's dispatching is stopped
KEYS[5] the job's lock (BullMQ): the worker must still hold it ('' to skip the check)
KEYS[6] the operation's cancel flag
KEYS[7] pacing: the theoretical time of the next command (ms)
ARGV[1] commands allowed per window (>= 1), or 0 for no limit
ARGV[2] window length in ms (1000 + a safety margin)
ARGV[3] a unique member for this command
ARGV[4] how long a command may stay in flight before it counts as over (ms)
ARGV[5] the worker's lock token
The registrar saw a settled command no later than its reply, and may see one in flight as
late as now: counting them so makes the limit hold whatever the network or a stalled
process does between us and the registrar. Commands are also paced evenly (window / allowed
apart, one may go early) so they do not pile up in bursts. A slot is only ever taken for now.
Returns {status, ms}:
  {0, 0}     taken: send the command now (it is in flight until settled)
  {1, ms}    the account is in a 422 cool-down for ms more
  {2, 0}     the breaker is open
  {3, wait}  the rate is used up for wait ms: nothing taken, ask again then
  {4, 0}     the worker no longer holds the job: send nothing
  {5, 0}     the operation was cancelled
]]
${NOW}
if KEYS[5] ~= '' and redis.call('GET', KEYS[5]) ~= ARGV[5] then return {4, 0} end
if redis.call('EXISTS', KEYS[6]) == 1 then return {5, 0} end
if redis.call('EXISTS', KEYS[4]) == 1 then return {2, 0} end
local pttl = redis.call('PTTL', KEYS[3])
if pttl > 0 then return {1, pttl} end
local max = tonumber(ARGV[1])
if max == 0 then return {0, 0} end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
local settled = redis.call('ZCARD', KEYS[1])
local inflight = redis.call('ZCARD', KEYS[2])
if settled + inflight >= max then
  -- In time order: the settled ones, then those in flight (they may arrive as late as now).
  local binding = settled + inflight - max
  if binding >= settled then return {3, 5} end
  local kth = redis.call('ZRANGE', KEYS[1], binding, binding, 'WITHSCORES')
  local slot = tonumber(kth[2]) + window
  if slot > now then return {3, slot - now} end
end
local spacing = window / max
local tat = tonumber(redis.call('GET', KEYS[7]) or '0')
if now < tat - spacing then return {3, math.ceil(tat - spacing - now)} end
redis.call('SET', KEYS[7], tostring(math.max(tat, now) + spacing), 'PX', window * 2)
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window * 2)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) * 2)
return {0, 0}`;

export const SETTLE_COMMAND_SLOT = `--[[ settle-command-slot: a sent command has its reply (or was given up on)
KEYS[1] settled commands (sorted set)
KEYS[2] commands in flight (sorted set)
ARGV[1] the command's member
ARGV[2] window length in ms
It counts from now: the registrar saw it no later than this.
]]
${NOW}
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1`;

export const ACQUIRE_LEASE = `--[[ acquire-lease: one of the account's connection permits
KEYS[1] leases: sorted set, member = permit, score = when it expires (ms)
ARGV[1] permits for the whole account
ARGV[2] lease time (ms)
ARGV[3] the new permit's name
Returns 1 when granted, 0 when all permits are held (expired ones are freed first).
]]
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
return 1`;

export const RENEW_LEASE = `--[[ renew-lease: extend a held connection permit
KEYS[1] leases (sorted set)
ARGV[1] lease time (ms)
ARGV[2] the permit
Returns 1 when extended, 0 when the permit had expired (someone may hold it now).
]]
${NOW}
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not score or tonumber(score) < now then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
return 1`;

export const CHECKPOINT = `--[[ checkpoint: write an operation's state (job data) and its new history lines at once
KEYS[1] the job hash
KEYS[2] the job's lock (BullMQ)
KEYS[3] the operation's history list
ARGV[1] the worker's lock token
ARGV[2] the job data (JSON)
ARGV[3..] history entries (JSON), appended in order
Returns 1 when written; 0 when the job is gone; -1 when the worker no longer holds the job (nothing written).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
if #ARGV > 2 then redis.call('RPUSH', KEYS[3], unpack(ARGV, 3)) end
return 1`;

const ALIVE = `local function alive(op)
  local job = ARGV[2] .. op
  return redis.call('EXISTS', job) == 1 and redis.call('HEXISTS', job, 'finishedOn') == 0
end`;

export const CLAIM_DOMAIN = `--[[ claim-domain: one operation a domain at a time, the others wait in submission order
KEYS[1] the domain's owner (operation id)
KEYS[2] the domain's waiting operations: sorted set, score = submission time (ms)
ARGV[1] the operation id
ARGV[2] key prefix of job hashes ('<bull prefix>:<queue>:'): an operation whose job is gone or finished is dead
ARGV[3] the operation's submission time (ms)
Returns {1, id} when the operation owns the domain (now or already);
        {0, other} when it must wait; other, when set, was just given the domain and must be woken.
]]
${ALIVE}
local id = ARGV[1]
local owner = redis.call('GET', KEYS[1])
if owner == id then return {1, id} end
if owner and alive(owner) then
  redis.call('ZADD', KEYS[2], 'NX', ARGV[3], id)
  return {0, ''}
end
-- The domain is free: the earliest live waiter goes first.
while true do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #head == 0 or head[1] == id then break end
  if alive(head[1]) then
    redis.call('ZADD', KEYS[2], 'NX', ARGV[3], id)
    redis.call('ZREM', KEYS[2], head[1])
    redis.call('SET', KEYS[1], head[1])
    return {0, head[1]}
  end
  redis.call('ZREM', KEYS[2], head[1])
end
redis.call('SET', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
return {1, id}`;

export const RELEASE_DOMAIN = `--[[ release-domain: hand the domain to the next live waiting operation
KEYS[1] the domain's owner
KEYS[2] the domain's waiting operations (sorted set)
ARGV[1] the operation id releasing it
ARGV[2] key prefix of job hashes: dead waiters (job gone or finished) are skipped
Returns the id of the operation that owns the domain now (to be woken), or false.
]]
${ALIVE}
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
while true do
  local head = redis.call('ZPOPMIN', KEYS[2])
  if #head == 0 then break end
  if alive(head[1]) then
    redis.call('SET', KEYS[1], head[1])
    return head[1]
  end
end
redis.call('DEL', KEYS[1])
return false`;

export const FAIL_QUEUED = `--[[ fail-queued: end an operation that is waiting, delayed or paused (not one a worker holds):
a cancellation, or a batch's registration of a name the batch check found taken
KEYS[1] the job hash
KEYS[2] wait list, KEYS[3] paused list, KEYS[4] delayed set, KEYS[5] prioritized set
KEYS[6] failed set
KEYS[7] events stream
ARGV[1] job id
ARGV[2] failedReason (the failure as JSON)
Returns 1 when the job was moved to failed; 0 when it was in none of those states.
]]
${NOW}
local removed = redis.call('LREM', KEYS[2], 0, ARGV[1]) + redis.call('LREM', KEYS[3], 0, ARGV[1])
  + redis.call('ZREM', KEYS[4], ARGV[1]) + redis.call('ZREM', KEYS[5], ARGV[1])
if removed == 0 then return 0 end
redis.call('HSET', KEYS[1], 'failedReason', ARGV[2], 'finishedOn', now)
redis.call('ZADD', KEYS[6], now, ARGV[1])
redis.call('XADD', KEYS[7], 'MAXLEN', '~', 1000, '*', 'event', 'failed', 'jobId', ARGV[1], 'failedReason', ARGV[2], 'prev', 'waiting')
return 1`;

export interface EngineRedis extends Redis {
  reserveCommandSlot(
    settled: string,
    inflight: string,
    pause: string,
    breaker: string,
    lock: string,
    cancel: string,
    pace: string,
    max: number,
    windowMs: number,
    member: string,
    maxAheadMs: number,
    token: string,
  ): Promise<[number, number]>;
  settleCommandSlot(settled: string, inflight: string, member: string, windowMs: number): Promise<number>;
  acquireLease(leases: string, max: number, ttlMs: number, permit: string): Promise<number>;
  renewLease(leases: string, ttlMs: number, permit: string): Promise<number>;
  checkpoint(job: string, lock: string, history: string, token: string, data: string, ...entries: string[]): Promise<number>;
  claimDomain(owner: string, waiting: string, id: string, jobPrefix: string, submittedAt: number): Promise<[number, string]>;
  releaseDomain(owner: string, waiting: string, id: string, jobPrefix: string): Promise<string | null>;
  failQueued(job: string, wait: string, paused: string, delayed: string, prioritized: string, failed: string, events: string, id: string, reason: string): Promise<number>;
}

/** Register the scripts on a connection (EVALSHA with a fallback to EVAL). */
export function withEngineScripts(redis: Redis): EngineRedis {
  const r = redis as EngineRedis;
  if (typeof r.reserveCommandSlot === 'function') return r;
  redis.defineCommand('reserveCommandSlot', { numberOfKeys: 7, lua: RESERVE_COMMAND_SLOT });
  redis.defineCommand('checkpoint', { numberOfKeys: 3, lua: CHECKPOINT });
  redis.defineCommand('settleCommandSlot', { numberOfKeys: 2, lua: SETTLE_COMMAND_SLOT });
  redis.defineCommand('acquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE });
  redis.defineCommand('renewLease', { numberOfKeys: 1, lua: RENEW_LEASE });
  redis.defineCommand('claimDomain', { numberOfKeys: 2, lua: CLAIM_DOMAIN });
  redis.defineCommand('releaseDomain', { numberOfKeys: 2, lua: RELEASE_DOMAIN });
  redis.defineCommand('failQueued', { numberOfKeys: 7, lua: FAIL_QUEUED });
  return r;
}
