--[[
  sakeIndexOps (single node: the indexes span slots and are not declared in KEYS, which a
  standalone server allows): a batch's writes to expiring indexes (messages and invites by all,
  guild, channel) in one call and in order, where each index took a call of its own (the most
  frequent command of a mixed stream). A cluster sends sakeIndexAdd, ZREM and ZREMRANGEBYSCORE per
  index instead.

  KEYS     none
  ARGV[1]  now (ms)
  then groups, each
    A key limit [eviction block] n (score, id)×n
             index-add.lua's call on `key`: add, drop expired, evict beyond `limit` (0 = none); the
             optional eviction block is includes/index-add.lua's ('E' prefix buckets ttl channel k
             kept×k)
    R key n id×n
             remove the ids and the expired entries (an emptied index disappears)

  Returns  one reply per group, in order: an A group's evicted ids (with an eviction block: those
           it did not delete), an empty list for an R group; an unknown group is an error reply.
]]
--- @include "index-add"
--- @include "many"
local now = tonumber(ARGV[1])
local out = {}
local i = 2
local n = #ARGV
while i <= n do
  local op, key = ARGV[i], ARGV[i + 1]
  if op == 'A' then
    local limit = tonumber(ARGV[i + 2])
    local evict, at = read_evict_block(ARGV, i + 3)
    local count = tonumber(ARGV[at])
    out[#out + 1] = index_add(key, now, limit, evict, ARGV, at + 1, at + 2 * count)
    i = at + 1 + 2 * count
  elseif op == 'R' then
    local count = tonumber(ARGV[i + 2])
    local ids = {}
    for j = 1, count do ids[j] = ARGV[i + 2 + j] end
    if count > 0 then many('ZREM', key, ids) end
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    out[#out + 1] = {}
    i = i + 3 + count
  else
    return redis.error_reply('sakeIndexOps: unknown group ' .. tostring(op))
  end
end
return out
