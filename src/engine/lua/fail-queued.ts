// Ending an operation no worker holds.
import { NOW } from './time.ts';

export const FAIL_QUEUED = `--[[ fail-queued: end an operation that is waiting, delayed or paused (not one a worker holds):
a cancellation, or a batch's registration of a name the batch check found taken
KEYS[1] the job hash
KEYS[2] wait list, KEYS[3] paused list, KEYS[4] delayed set, KEYS[5] prioritized set
KEYS[6] failed set
KEYS[7] events stream
ARGV[1] job id
ARGV[2] failedReason (the failure as JSON)
ARGV[3] the job data the caller decided on ('' for any): when the data is not that any more (a run
  moved the operation on meanwhile), nothing is done
ARGV[4] how many runs had started (BullMQ's attemptsStarted) when the caller decided ('' for any):
  when another has started since, nothing is done (a first run may send an effect before it writes
  anything: see first-run.ts)
Returns 1 when the job was moved to failed; 0 when it was in none of those states; -1 when its data
or its runs changed.
]]
${NOW}
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'data') ~= ARGV[3] then return -1 end
if ARGV[4] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'ats') or '0') ~= tonumber(ARGV[4]) then return -1 end
local removed = redis.call('LREM', KEYS[2], 0, ARGV[1]) + redis.call('LREM', KEYS[3], 0, ARGV[1])
  + redis.call('ZREM', KEYS[4], ARGV[1]) + redis.call('ZREM', KEYS[5], ARGV[1])
if removed == 0 then return 0 end
redis.call('HSET', KEYS[1], 'failedReason', ARGV[2], 'finishedOn', now)
redis.call('ZADD', KEYS[6], now, ARGV[1])
redis.call('XADD', KEYS[7], 'MAXLEN', '~', 1000, '*', 'event', 'failed', 'jobId', ARGV[1], 'failedReason', ARGV[2], 'prev', 'waiting')
return 1`;
