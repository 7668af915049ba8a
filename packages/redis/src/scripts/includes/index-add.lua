--[[
  index_add(key, now, limit, evict, args, from, to): add the (score, id) pairs args[from..to] to
  the expiring index `key` (a sorted set scored by expiry in ms, 'inf' for none), drop its expired
  entries, make the index expire with its longest-lived entry (PEXPIREAT), and with a `limit` > 0
  evict the smallest ids beyond it (snowflakes: shorter is smaller, then text order). `evict`
  (single node, or nil): { prefix, buckets, ttl, channel, kept } — delete what the limit evicts,
  with its other indexes (drop-evicted.lua), but for the ids in `kept` and any whose record can't
  be placed. Returns the evicted ids (with `evict`: those it did not delete).
]]
--- @include "drop-evicted"
local function index_add(key, now, limit, evict, args, from, to)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  for i = from, to, 2 do redis.call('ZADD', key, args[i], args[i + 1]) end
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
end

--[[
  read_evict_block(args, at): the eviction block at args[at] ('E' prefix buckets ttl channel k
  kept×k), or nil when args[at] is not 'E'; and the index after it.
]]
local function read_evict_block(args, at)
  if args[at] ~= 'E' then return nil, at end
  local evict = { prefix = args[at + 1], buckets = tonumber(args[at + 2]), ttl = tonumber(args[at + 3]), channel = args[at + 4], kept = {} }
  local k = tonumber(args[at + 5])
  for j = at + 6, at + 5 + k do evict.kept[args[j]] = true end
  return evict, at + 6 + k
end
