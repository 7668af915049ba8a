--[[
  sakeReadLiveIds (single node: the indexes span slots and are not declared in KEYS, which a
  standalone server allows): the live ids of many expiring indexes in one command — a batch that
  sets messages under a channel limit and also reads messages follows each such channel's index,
  which took a ZRANGEBYSCORE per channel. A cluster reads them index by index.

  KEYS     none
  ARGV[1]  now (ms): ids scored at or before it have expired
  ARGV[2…] the index keys

  Returns  per index, its ids scored after now, in score order (ZRANGEBYSCORE (now +inf). A key
           holding another type fails the call with WRONGTYPE.
]]
local out = {}
local after = '(' .. ARGV[1]
for i = 2, #ARGV do out[i - 1] = redis.call('ZRANGEBYSCORE', ARGV[i], after, '+inf') end
return out
