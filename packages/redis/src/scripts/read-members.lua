--[[
  sakeReadMembers (single node: the keys span slots, and user keys are built here from the prefix,
  which a standalone server allows): many point reads of members (with their users) issued in the
  same tick, in one command. User bucket keys are built once per bucket.

  KEYS     none
  ARGV[1]  the key prefix
  ARGV[2]  12 bytes per member (8-byte user id + 4-byte user bucket, big-endian) back to back
  ARGV[3…] pairs (member bucket key, number of the next members in it)

  Returns  one string: per member in order, a byte 1 followed by its packed member
           (includes/packed-member.lua), or a byte 0 when there is no such member.
]]
--- @include "packed-member"
--- @include "keys"
--- @include "user-keys"
local prefix, ids = ARGV[1], ARGV[2]
local out, o, ukeys, utkeys, i = {}, 0, {}, {}, 0
for g = 3, #ARGV, 2 do
  local mkey = ARGV[g]
  local count = tonumber(ARGV[g + 1])
  local fields = {}
  for j = 1, count do
    local k = i + j
    fields[j] = sub(ids, 12 * k - 11, 12 * k - 4)
  end
  -- One HMGET for the members of this bucket (the loader groups a call's reads by bucket).
  local heads = redis.call('HMGET', mkey, unpack(fields))
  local tkey = false
  for j = 1, count do
    i = i + 1
    local f, m = fields[j], heads[j]
    o = o + 1
    if m then
      local flags, mt = 0, ''
      if byte(m, 1) == 255 then
        tkey = tkey or (mkey .. KEY_MEMBER_TAILS)
        mt = redis.call('HGET', tkey, f)
        if mt then flags = 8 else flags, mt = 1, '' end
      end
      local b1, b2, b3, b4 = byte(ids, 12 * i - 3, 12 * i)
      local ubk = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
      local ukey = ukeys[ubk]
      if not ukey then
        ukey, utkeys[ubk] = userKeys(prefix, ubk)
        ukeys[ubk] = ukey
      end
      local u, ut, uf = userOf(ukey, utkeys[ubk], f)
      out[o] = '\1'
      o = put(out, o, flags + uf, f, m, mt, u, ut)
    else
      out[o] = '\0'
    end
  end
end
return table.concat(out)
