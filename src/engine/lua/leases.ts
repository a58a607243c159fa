// The account's connection permits: leases that live while their process renews them.
import { NOW } from './time.ts';

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
