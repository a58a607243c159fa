// The account's registrar command rate, shared by every worker of every host.
import { NOW } from './time.ts';

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
ARGV[6] the job lock's duration (ms): a slot taken renews the lock for that long, so that the
  worker knows how long the command stays its own (see Run.command)
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
if max == 0 then
  if KEYS[5] ~= '' then redis.call('PEXPIRE', KEYS[5], ARGV[6]) end
  return {0, 0}
end
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
if KEYS[5] ~= '' then redis.call('PEXPIRE', KEYS[5], ARGV[6]) end
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
