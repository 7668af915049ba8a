/**
 * `sakeIndexAdd`: add ids to an expiring index (a sorted set scored by expiry
 * in ms, `inf` for none), drop expired entries, and with a limit evict the
 * smallest ids beyond it (snowflakes: shorter is smaller, then text order).
 *
 * KEYS[1] = the index. ARGV[1] = now (ms), ARGV[2] = limit (0 = none),
 * then (score, id) pairs. Returns the evicted ids.
 */
export const INDEX_ADD_LUA = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
for i = 3, #ARGV, 2 do redis.call('ZADD', key, ARGV[i], ARGV[i + 1]) end
if limit <= 0 then return {} end
local size = redis.call('ZCARD', key)
if size <= limit then return {} end
local ids = redis.call('ZRANGE', key, 0, -1)
table.sort(ids, function(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end)
local evicted = {}
for i = 1, size - limit do
  evicted[i] = ids[i]
  redis.call('ZREM', key, ids[i])
end
return evicted
`;
