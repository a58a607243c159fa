// The current time inside a script, from Redis: every worker on every host agrees on it.
export const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
