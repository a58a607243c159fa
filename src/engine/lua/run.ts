// The scripts of one run of an operation: begin (own the job's domain and pass
// the account's gate), checkpoint (before a state-changing command, with the gate
// when the rate limiter did not just check it), finish (history, hand the domain
// on: only when operations wait for the domain; otherwise the last history lines
// ride on BullMQ's completion and the domain is released lazily). One round trip
// each: the engine's throughput is counted in them.

/**
 * How long a domain's owner key outlives its operation's last run. An operation that ends
 * without waiters does not release its domain (that would cost a round trip): the next
 * claimant finds the owner ended and takes over, or the key expires. Every run of a live
 * owner renews it, and a live operation runs at least every few hours (the longest poll).
 */
export const OWNER_TTL_MS = 7 * 24 * 3600_000;

/**
 * An operation claims its domain as it is submitted, just before its job is added: for this
 * long, an owner whose job does not exist yet still holds the domain.
 */
export const PENDING_CLAIM_MS = 60_000;

/**
 * A submission makes its jobs within this long of its claims, or makes them without the claims
 * (they claim their domains again as they run): a claimed job's timestamp (BullMQ's, taken as the
 * job is made) is at most this long after its claim.
 */
export const CLAIM_TO_ADD_MS = PENDING_CLAIM_MS / 6;

/**
 * A claimed job that starts within this long of its timestamp was in Redis within
 * CLAIM_TO_ADD_MS + FIRST_RUN_WITHIN_MS of its claim, half of PENDING_CLAIM_MS (the other half
 * for the clocks of the submitting and the running host to differ): before the claim could be
 * taken over. After that no one takes the domain from a live operation (see first-run.ts).
 */
export const FIRST_RUN_WITHIN_MS = PENDING_CLAIM_MS / 3;

/**
 * Whether a checkpoint must renew the domain owner's expiry: once it may have been set a day or
 * more ago. Every claim or renewal of an operation's ownership happened after its submission (a
 * claim at most PENDING_CLAIM_MS before its job was added), always for OWNER_TTL_MS: an operation
 * submitted less than a day ago holds its domain for six days more at least (a command of Redis
 * per operation saved; measured at about 6 µs of Redis time).
 */
export function ownerRenewalDue(submittedAt: number, now: number): boolean {
  return now - submittedAt + PENDING_CLAIM_MS >= OWNER_TTL_MS / 7;
}

/** Lua helpers shared by the run scripts and the domain scripts. */
export const DOMAIN_FUNCTIONS = `local OWNER_TTL_MS = ${OWNER_TTL_MS}
local PENDING_CLAIM_MS = ${PENDING_CLAIM_MS}
-- A waiting operation that has not ended. One with no job yet is being submitted (operations
-- claim their domains just before their jobs are added) when it waited from less than
-- PENDING_CLAIM_MS ago (its score: its submission time); after that, its submission failed.
local function alive(prefix, op, score)
  local job = prefix .. op
  if redis.call('EXISTS', job) == 1 then return redis.call('HEXISTS', job, 'finishedOn') == 0 end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(score) < PENDING_CLAIM_MS
end
-- The owner holds the domain: its operation has not ended, or was claimed at submission moments ago.
local function holds(ownerKey, prefix, owner)
  if redis.call('EXISTS', prefix .. owner) == 1 then return redis.call('HEXISTS', prefix .. owner, 'finishedOn') == 0 end
  return OWNER_TTL_MS - redis.call('PTTL', ownerKey) < PENDING_CLAIM_MS
end
-- Wait for the domain in submission order: by submission time, and after the operations
-- already waiting that were submitted in the same millisecond (a batch's operations share one:
-- as members of equal score they would be taken in the order of their ids). Ties are 1/1024 ms
-- apart, which a score (a double) holds exactly at today's times; past 1,024 ties on one domain
-- in one millisecond the order among the later ones is their ids' (a submission's round trip
-- carries 500 claims at most).
local function enqueue(waitingKey, id, submitted)
  if redis.call('ZSCORE', waitingKey, id) then return end
  local score = tonumber(submitted)
  local tie = redis.call('ZREVRANGEBYSCORE', waitingKey, '(' .. string.format('%.17g', score + 1), string.format('%.17g', score), 'WITHSCORES', 'LIMIT', 0, 1)
  if #tie > 0 then score = tonumber(tie[2]) + 1 / 1024 end
  redis.call('ZADD', waitingKey, string.format('%.17g', score), id)
end
-- Own the domain, or wait in submission order. Returns owns (1/0) and the id of an
-- operation that was just given the domain and must be woken ('' for none). A waiter tells the
-- owner's run on the notice channel (a hint: it hands the domain on as it ends; see Notices),
-- each time it looks.
local function claim(ownerKey, waitingKey, prefix, id, submitted, notices)
  local owner = redis.call('GET', ownerKey)
  if owner == id then
    redis.call('PEXPIRE', ownerKey, OWNER_TTL_MS)
    return 1, ''
  end
  if owner and holds(ownerKey, prefix, owner) then
    enqueue(waitingKey, id, submitted)
    redis.call('PUBLISH', notices, 'w' .. owner)
    return 0, ''
  end
  while true do
    local head = redis.call('ZRANGE', waitingKey, 0, 0, 'WITHSCORES')
    if #head == 0 or head[1] == id then break end
    if alive(prefix, head[1], head[2]) then
      enqueue(waitingKey, id, submitted)
      redis.call('ZREM', waitingKey, head[1])
      redis.call('SET', ownerKey, head[1], 'PX', OWNER_TTL_MS)
      redis.call('PUBLISH', notices, 'w' .. head[1])
      return 0, head[1]
    end
    redis.call('ZREM', waitingKey, head[1])
  end
  redis.call('SET', ownerKey, id, 'PX', OWNER_TTL_MS)
  redis.call('ZREM', waitingKey, id)
  return 1, ''
end
-- Give the domain to the next live waiting operation; returns its id or ''.
local function release(ownerKey, waitingKey, prefix, id)
  redis.call('ZREM', waitingKey, id)
  if redis.call('GET', ownerKey) ~= id then return '' end
  while true do
    local head = redis.call('ZPOPMIN', waitingKey)
    if #head == 0 then break end
    if alive(prefix, head[1], head[2]) then
      redis.call('SET', ownerKey, head[1], 'PX', OWNER_TTL_MS)
      return head[1]
    end
  end
  redis.call('DEL', ownerKey)
  return ''
end`;

/** The account's gate: breaker, 422 cool-down. Status 0 open, 1 cool-down (ms), 2 breaker. (Callers check the operation's cancel flag first.) */
const GATE = `local function gate(breakerKey, pauseKey)
  if redis.call('EXISTS', breakerKey) == 1 then return 2, 0 end
  local pttl = redis.call('PTTL', pauseKey)
  if pttl > 0 then return 1, pttl end
  return 0, 0
end`;

export const BEGIN_RUN = `--[[ begin-run: a worker starts a run of an operation
KEYS[1] the domain's owner, KEYS[2] the domain's waiting operations (sorted set)
KEYS[3] the job's lock (BullMQ), KEYS[4] the cancel flag, KEYS[5] the breaker, KEYS[6] the 422 cool-down
ARGV[1] operation id, ARGV[2] job hash key prefix, ARGV[3] submission time (ms), ARGV[4] the worker's lock token,
ARGV[5] '1' when a cancel may need commands (the registrar may have acted: see cancelNeedsRun): the
  operation claims its domain first, and is told it was cancelled only once it owns the domain ('0': at once)
ARGV[6] the account's notice channel (a waiter tells the domain's owner)
Returns {status, ms, wake, waiting}:
  status 0 go on; 1 the account cools down for ms; 2 the breaker is open; 4 the worker lost the job;
  5 cancelled (with ARGV[5] '1': and it owns the domain); 6 another operation owns the domain (wait for it);
  wake: an operation that was just given the domain and must be woken ('' for none);
  waiting: how many operations wait for the domain (the run hands it on at its end when > 0).
]]
${DOMAIN_FUNCTIONS}
${GATE}
if redis.call('GET', KEYS[3]) ~= ARGV[4] then return {4, 0, '', 0} end
local cancelled = redis.call('EXISTS', KEYS[4]) == 1
if cancelled and ARGV[5] ~= '1' then return {5, 0, '', 0} end
local owns, wake = claim(KEYS[1], KEYS[2], ARGV[2], ARGV[1], ARGV[3], ARGV[6])
if owns == 0 then return {6, 0, wake, 0} end
if cancelled then return {5, 0, wake, redis.call('ZCARD', KEYS[2])} end
local status, ms = gate(KEYS[5], KEYS[6])
return {status, ms, wake, redis.call('ZCARD', KEYS[2])}`;

export const CHECKPOINT = `--[[ checkpoint: write operations' state (job data) and new history lines, each at once, before
a state-changing command. Checkpoints asked for at the same moment come in one call (group commit);
each is written or refused on its own.
KEYS[1] the account's breaker, KEYS[2] its 422 cool-down
ARGV[1..4] the key prefixes of job hashes, history lists, cancel flags and domains (an operation's
  keys are built from its id and domain, as BullMQ's scripts build a job's: all of them share the
  hash tag of KEYS[1])
ARGV[5] the job lock's duration (ms): a checkpoint written renews the lock for that long, so that
  the worker knows how long the command it is about to send stays its own (see Run.command)
ARGV[6..] the operations, one after another, each as: lock token, job data (JSON), '1' to pass
  the gate first, '2' to take the cancel flag (the snapshot written took the cancel: the flag is
  deleted with the write instead of refusing it), else '0', operation id, domain, '1' to renew the domain owner's expiry (else
  '0': it was set less than a day ago, and a week is left), the number n of history entries,
  then the n history entries (JSON) to append in order. (Plain arguments: reading them costs Redis less than
  unpacking one MessagePack string, measured at about 5 µs an operation.)
Returns {status_1, ms_1, waiting_1, status_2, ...}, for each operation:
  status 1 written; 0 the job is gone; -1 the worker lost the job;
  6 the operation does not own its domain, 5 it was cancelled (nothing written, unless taking the cancel);
  with the gate, nothing is written when it is shut: 2 breaker, 3 cool-down (ms);
  waiting: how many operations wait for the domain.
]]
${GATE}
local jobPrefix, historyPrefix, cancelPrefix, domainPrefix, lockMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
-- The gate is the account's: read once for all the operations that pass it.
local gateStatus, gateMs
-- Refused: 0 rather than the reason when the job itself is gone (removed while its worker held
-- the lock). Checked only on the way out, as the write in checkpoint tells it otherwise.
local function refuse(job, status, ms)
  if redis.call('EXISTS', job) == 0 then return 0, 0, 0 end
  return status, ms, 0
end
local function checkpoint(token, data, gated, id, domain, renew, first, n)
  local job = jobPrefix .. id
  local owner = domainPrefix .. domain .. ':owner'
  -- The lock, the domain's owner and the cancel flag (a string when set), in one command.
  local cancel = cancelPrefix .. id
  local held = redis.call('MGET', job .. ':lock', owner, cancel)
  if held[1] ~= token then return refuse(job, -1, 0) end
  if held[2] ~= id then return refuse(job, 6, 0) end
  if held[3] and gated ~= '2' then return refuse(job, 5, 0) end
  if gated == '1' then
    if not gateStatus then gateStatus, gateMs = gate(KEYS[1], KEYS[2]) end
    if gateStatus == 1 then return refuse(job, 3, gateMs) end
    if gateStatus ~= 0 then return refuse(job, gateStatus, 0) end
  end
  -- A job's hash always has its data: a new field means the hash was gone, and what was just
  -- made of it is taken back.
  if redis.call('HSET', job, 'data', data) == 1 and redis.call('HLEN', job) == 1 then
    redis.call('DEL', job)
    return 0, 0, 0
  end
  redis.call('PEXPIRE', job .. ':lock', lockMs)
  if held[3] then redis.call('DEL', cancel) end
  if renew == '1' then redis.call('PEXPIRE', owner, ${OWNER_TTL_MS}) end
  if n > 0 then redis.call('RPUSH', historyPrefix .. id, unpack(ARGV, first, first + n - 1)) end
  return 1, 0, redis.call('ZCARD', domainPrefix .. domain .. ':waiting')
end
local out = {}
local i = 6
while i <= #ARGV do
  local n = tonumber(ARGV[i + 6])
  local status, ms, waiting = checkpoint(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], i + 7, n)
  out[#out + 1] = status
  out[#out + 1] = ms
  out[#out + 1] = waiting
  i = i + 7 + n
end
return out`;

export const FINISH_RUN = `--[[ finish-run: an operation ended: its last history lines, and its domain to the next operation
KEYS[1] the job hash, KEYS[2] the job's lock (BullMQ), KEYS[3] the history list
KEYS[4] the domain's owner, KEYS[5] the domain's waiting operations
ARGV[1] the worker's lock token, ARGV[2] job data to write ('' for none), ARGV[3] job hash key prefix
ARGV[4] operation id, ARGV[5..] history entries (JSON)
Returns {status, wake}: status 1 done, 0 the job is gone, -1 the worker lost the job (nothing written);
  wake: the operation that owns the domain now and must be woken ('' for none).
]]
${DOMAIN_FUNCTIONS}
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, ''} end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {-1, ''} end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'data', ARGV[2]) end
if #ARGV > 4 then redis.call('RPUSH', KEYS[3], unpack(ARGV, 5)) end
return {1, release(KEYS[4], KEYS[5], ARGV[3], ARGV[4])}`;

export const RELEASE_DOMAIN = `--[[ release-domain: hand the domain to the next live waiting operation (a cancelled operation's)
KEYS[1] the domain's owner, KEYS[2] the domain's waiting operations
ARGV[1] the operation id releasing it, ARGV[2] job hash key prefix
Returns the id of the operation that owns the domain now (to be woken), or ''.
]]
${DOMAIN_FUNCTIONS}
return release(KEYS[1], KEYS[2], ARGV[2], ARGV[1])`;

export const PREPARE_REDRIVE = `--[[ prepare-redrive: before a redrive moves a failed operation back to wait, write what its next
run starts from: its job data, its cancel flag cleared, and the history lines its last run left in
the failed reason moved to the history list. Only while the job is failed as it was read: with the
same reason, ended at the same time (compare-and-set; a failure that comes again after another
redrive can have the same reason, never the same end). Two redrives of one failure write the same
thing, and one that comes after another has moved the job on writes nothing (it would overwrite
the checkpoints of a run under way).
KEYS[1] the job hash, KEYS[2] the history list, KEYS[3] the queue's failed set, KEYS[4] the cancel flag
ARGV[1] operation id, ARGV[2] the failed reason as read, ARGV[3] when it ended as read (finishedOn,
'' for none), ARGV[4] the reason without its history lines ('' when it has none), ARGV[5] the job
data, ARGV[6..] the history lines (JSON)
Returns 1 written, 0 the operation is not failed as read (nothing written), -1 it is gone.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
local reason, finished = unpack(redis.call('HMGET', KEYS[1], 'failedReason', 'finishedOn'))
if (reason or '') ~= ARGV[2] or tonumber(finished or '') ~= tonumber(ARGV[3]) then return 0 end
if #ARGV > 5 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 6)) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'failedReason', ARGV[4]) end
redis.call('HSET', KEYS[1], 'data', ARGV[5])
redis.call('DEL', KEYS[4])
return 1`;

export const CLAIM_DOMAINS = `--[[ claim-domains: operations about to be submitted claim their domains, in order
KEYS[2i-1], KEYS[2i] the owner and the waiting operations of operation i's domain
ARGV[1] job hash key prefix, ARGV[2] the account's notice channel (a waiter tells the domain's owner),
ARGV[2i+1], ARGV[2i+2] operation i's id and submission time (ms)
Returns {owns_1, wake_1, owns_2, wake_2, ...}: owns 1 when the operation owns its domain now
  (0: it waits its turn); wake: an operation that was just given a domain and must be woken.
]]
${DOMAIN_FUNCTIONS}
local out = {}
for i = 1, #KEYS / 2 do
  local owns, wake = claim(KEYS[2 * i - 1], KEYS[2 * i], ARGV[1], ARGV[2 * i + 1], ARGV[2 * i + 2], ARGV[2])
  out[#out + 1] = owns
  out[#out + 1] = wake
end
return out`;
