--[[
  sakeIndexAdd: add ids to an expiring index (a sorted set scored by expiry in ms, 'inf' for none),
  drop expired entries, and with a limit evict the smallest ids beyond it (snowflakes: shorter is
  smaller, then text order). The index itself expires with its longest-lived entry (PEXPIREAT), so
  an index nobody writes to again does not outlive its entries.

  On a single node a channel index's call can also delete what it evicts (includes/drop-evicted.lua),
  so a message that pushes an older one out costs no second round trip: the caller passes the
  eviction block below. Evicted ids the batch itself adds to this index (their author entries are
  written after this call, and a later add may put them back: the caller settles them) and those
  whose record it can't read are answered as before.

  KEYS[1]  the index
  ARGV[1]  now (ms)
  ARGV[2]  the limit (0 = none)
  then, optionally (single node, with a limit), the eviction block:
    'E' prefix buckets ttl channel k kept×k
           the store's prefix, its user bucket count, the orphan TTL (ms), the channel whose index
           KEYS[1] is (decimal id), and the k ids the batch adds to it
  then     (score, id) pairs

  Returns  the evicted ids (with the eviction block: those it did not delete).
]]
--- @include "drop-evicted"
local key = KEYS[1]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local first = 3
local evict
if ARGV[3] == 'E' then
  evict = { prefix = ARGV[4], buckets = tonumber(ARGV[5]), ttl = tonumber(ARGV[6]), channel = ARGV[7], kept = {} }
  local k = tonumber(ARGV[8])
  for j = 9, 8 + k do evict.kept[ARGV[j]] = true end
  first = 9 + k
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
for i = first, #ARGV, 2 do redis.call('ZADD', key, ARGV[i], ARGV[i + 1]) end
local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if top[2] == 'inf' then redis.call('PERSIST', key) elseif top[2] then redis.call('PEXPIREAT', key, top[2]) end
if limit <= 0 then return {} end
local size = redis.call('ZCARD', key)
if size <= limit then return {} end
local ids = redis.call('ZRANGE', key, 0, -1)
local excess = size - limit
local evicted = {}
if excess > 8 then
  table.sort(ids, function(a, b)
    if #a ~= #b then return #a < #b end
    return a < b
  end)
  for i = 1, excess do evicted[i] = ids[i] end
else
  -- Usually one id over the limit: a linear pass per evicted id beats sorting the whole index
  -- (a sort of 101 ids cost ~60 us of Redis time per message).
  local n = #ids
  for j = 1, excess do
    local best, at = nil, 0
    for i = 1, n do
      local id = ids[i]
      if id and (not best or #id < #best or (#id == #best and id < best)) then best = id; at = i end
    end
    ids[at] = false
    evicted[j] = best
  end
end
redis.call('ZREM', key, unpack(evicted))
if not evict then return evicted end
local left = {}
for _, id in ipairs(evicted) do
  if evict.kept[id] or not drop_evicted(evict.prefix, id, evict.channel, evict.buckets, evict.ttl, now) then left[#left + 1] = id end
end
return left
