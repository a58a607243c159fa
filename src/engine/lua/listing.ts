// Reading many operations at once, in Redis: their statuses, a filtered walk
// over an ordered list of them, and counts. A list page, a batch's progress or
// the failure counts then cost Redis work in proportion to what they read, not
// a round trip (or three) per operation of the account.

/** Status codes the scripts return, in the order of OP_STATUS_NAMES. */
export const OP_STATUS_NAMES = ['missing', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;

/**
 * The failure type of a failed reason, as parseFailedReason reads it: ours is JSON
 * {"failure":{"type":...}} (the type read from its first bytes: a reason carries the last
 * history lines too, and decoding kilobytes for each failed operation would hold Redis up);
 * any other text is an engine error; none (or empty) is no failure at all.
 */
const FAILURE_TYPE = `local function failureType(reason)
  if not reason or reason == '' then return nil end
  local t = string.match(reason, '^{"failure":{"type":"([%w_%-]*)"')
  if t then return t end
  local ok, parsed = pcall(cjson.decode, reason)
  if ok and type(parsed) == 'table' and type(parsed.failure) == 'table' and type(parsed.failure.type) == 'string' then
    return parsed.failure.type
  end
  return 'engine_error'
end`;

/**
 * An operation's status from BullMQ's sets, in the order BullMQ's getState reads them
 * (completed, failed, delayed, active, then the rest: queued). Only the active list is a list
 * (short: what workers hold), read once per call into a table. A failed operation is cancelled
 * when its failed reason says so; a reason that is not ours is an engine error.
 */
const STATUS_FUNCTIONS = `local jobPrefix = ARGV[1]
local completedKey, failedKey, delayedKey, activeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local active = {}
for _, id in ipairs(redis.call('LRANGE', activeKey, 0, -1)) do active[id] = true end
${FAILURE_TYPE}
-- 0 missing, 1 queued, 2 running, 3 waiting, 4 succeeded, 5 failed, 6 cancelled; and the failure type when failed (nil for none)
local function status(id)
  if redis.call('ZSCORE', completedKey, id) then return 4 end
  if redis.call('ZSCORE', failedKey, id) then
    local t = failureType(redis.call('HGET', jobPrefix .. id, 'failedReason'))
    if t == 'cancelled' then return 6, t end
    return 5, t
  end
  if redis.call('ZSCORE', delayedKey, id) then return 3 end
  if active[id] then return 2 end
  if redis.call('EXISTS', jobPrefix .. id) == 1 then return 1 end
  return 0
end`;

/** Whether an operation passes a filter: its status among `wanted` (codes, '' for any), its failure type, its type (the job's name). */
const MATCHES = `local function matches(id, wanted, failure, opType)
  local s, t = status(id)
  return s ~= 0 and (wanted == '' or string.find(wanted, tostring(s), 1, true) ~= nil)
    and (failure == '' or t == failure)
    and (opType == '' or redis.call('HGET', jobPrefix .. id, 'name') == opType)
end`;

export const OP_STATUSES = `--[[ op-statuses: the status of each of a few operations (a list page)
KEYS[1..4] BullMQ's completed, failed, delayed (sorted sets) and active (list) of the queue
ARGV[1] job hash key prefix, ARGV[2..] operation ids
Returns one status code per id (see STATUS_FUNCTIONS).
]]
${STATUS_FUNCTIONS}
local out = {}
for i = 2, #ARGV do out[#out + 1] = status(ARGV[i]) end
return out`;

export const SCAN_OPS = `--[[ scan-ops: a stretch of an ordered list of operations (the account's index by submission
time, or a batch's members in file order), filtered, or counted by status
KEYS[1..4] as op-statuses; KEYS[5] the list: a sorted set (by rank) or a list (by index)
ARGV[1] job hash key prefix, ARGV[2] 'z' (sorted set) or 'l' (list), ARGV[3] first, ARGV[4] last position
ARGV[5] 'ids' (the matching ids, in order) or 'counts' (how many of each status, by code 0..6)
ARGV[6] the statuses that match, as a string of codes ('' for all), ARGV[7] a failure type ('' for any),
ARGV[8] an operation type, the job's name ('' for any)
Returns {matching ids...} or {count_0, ..., count_6}; a stretch past the end is empty.
]]
${STATUS_FUNCTIONS}
${MATCHES}
local members
if ARGV[2] == 'z' then members = redis.call('ZRANGE', KEYS[5], ARGV[3], ARGV[4])
else members = redis.call('LRANGE', KEYS[5], ARGV[3], ARGV[4]) end
local wanted, failure, opType = ARGV[6], ARGV[7], ARGV[8]
if ARGV[5] == 'counts' then
  local counts = {0, 0, 0, 0, 0, 0, 0}
  for _, id in ipairs(members) do
    local s = status(id)
    counts[s + 1] = counts[s + 1] + 1
  end
  return counts
end
local out = {}
for _, id in ipairs(members) do
  if matches(id, wanted, failure, opType) then out[#out + 1] = id end
end
return out`;

export const FAILURE_COUNTS = `--[[ failure-counts: failed operations by failure type (cancelled ones not counted), over a
stretch of the failed set
KEYS[1] BullMQ's failed set, ARGV[1] job hash key prefix, ARGV[2] first, ARGV[3] last rank
Returns {type_1, count_1, type_2, count_2, ...}.
]]
${FAILURE_TYPE}
local counts, order = {}, {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[3])) do
  local t = failureType(redis.call('HGET', ARGV[1] .. id, 'failedReason'))
  if t and t ~= 'cancelled' then
    if not counts[t] then counts[t] = 0; order[#order + 1] = t end
    counts[t] = counts[t] + 1
  end
end
local out = {}
for _, t in ipairs(order) do out[#out + 1] = t; out[#out + 1] = counts[t] end
return out`;

export const CANDIDATES = `--[[ candidates: a stretch of one of BullMQ's sets (one a status filter can match), the
operations in it that pass the filter, with their place in the account's index: a filtered page
when those sets are small against the index, instead of a walk over it
KEYS[1..4] as op-statuses; KEYS[5] the account's index; KEYS[6] the set
ARGV[1] job hash key prefix, ARGV[2..4] statuses, failure type, operation type (as scan-ops)
ARGV[5] 'z' or 'l' (the set's kind), ARGV[6] first, ARGV[7] last position
Returns {score_1, id_1, score_2, id_2, ...}, unordered (score: the index's, else the job's time).
]]
${STATUS_FUNCTIONS}
${MATCHES}
local members
if ARGV[5] == 'z' then members = redis.call('ZRANGE', KEYS[6], ARGV[6], ARGV[7])
else members = redis.call('LRANGE', KEYS[6], ARGV[6], ARGV[7]) end
local out = {}
for _, id in ipairs(members) do
  if matches(id, ARGV[2], ARGV[3], ARGV[4]) then
    out[#out + 1] = redis.call('ZSCORE', KEYS[5], id) or redis.call('HGET', jobPrefix .. id, 'timestamp')
    out[#out + 1] = id
  end
end
return out`;

export const INDEX_OPS = `--[[ index-ops: operations about to be submitted go into the account's index
KEYS[1] the index
ARGV[1] job hash key prefix, ARGV[2] the time (ms), ARGV[3..] operation ids
An operation whose job exists (its idempotency key was submitted before) keeps its place, or is
indexed at its job's own time; any other is indexed at the time given, to be stamped with its
job's time once the job is added.
Returns {1 to stamp, or 0, for each id}.
]]
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local stamped = redis.call('HGET', ARGV[1] .. id, 'timestamp')
  if stamped then
    redis.call('ZADD', KEYS[1], 'NX', stamped, id)
    out[#out + 1] = 0
  else
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    out[#out + 1] = 1
  end
end
return out`;

export const PRUNE_INDEX = `--[[ prune-index: drop index entries whose job does not exist (a submission that stopped
between indexing and adding, a job removed by hand; an entry of a submission under way is written
again as its job is stamped), from a list of ids or over a stretch of the index
KEYS[1] the index
ARGV[1] job hash key prefix, ARGV[2] 'ids' then ARGV[3..] ids, or 'range' then ARGV[3] first, ARGV[4] last rank
Returns how many entries were dropped.
]]
local ids
if ARGV[2] == 'range' then ids = redis.call('ZRANGE', KEYS[1], ARGV[3], ARGV[4])
else ids = {unpack(ARGV, 3)} end
local dropped = 0
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[1] .. id) == 0 then dropped = dropped + redis.call('ZREM', KEYS[1], id) end
end
return dropped`;

export const KEEP_BATCH_COUNTS = `--[[ keep-batch-counts: a batch whose operations have all ended keeps its counts, unless an
operation of it was redriven since they were counted
KEYS[1] the batch's hash
ARGV[1] its redrive counter as read before counting ('' for none), ARGV[2] the counts (JSON)
Returns 1 kept, 0 not (a redrive came in between).
]]
if (redis.call('HGET', KEYS[1], 'redrives') or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'final', ARGV[2])
return 1`;
