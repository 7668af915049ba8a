--[[
  sakeReadMember (single node): a member and its user in one command and one reply. Tails are read
  only for heads marked split.

  KEYS[1]  the member bucket (keys.ts memberBucket)
  KEYS[2]  its tail hash (keys.ts memberTails)
  KEYS[3]  the user's bucket (keys.ts users)
  KEYS[4]  its tail hash (keys.ts userTails)
  ARGV[1]  the user's 8-byte id

  Returns  nil (no member) or one packed member (includes/packed-member.lua).
]]
--- @include "packed-member"
local f = ARGV[1]
local m = redis.call('HGET', KEYS[1], f)
if not m then return false end
local flags, mt = 0, ''
if byte(m, 1) == 255 then
  mt = redis.call('HGET', KEYS[2], f)
  if mt then flags = 8 else flags, mt = 1, '' end
end
local u, ut, uf = userOf(KEYS[3], KEYS[4], f)
local out = {}
put(out, 0, flags + uf, f, m, mt, u, ut)
return table.concat(out)
