--[[
  sakeReadMemberWindow (single node: user keys are built here from the prefix, which a standalone
  server allows): every member of member buckets ARGV[3] … ARGV[4] - 1 of one guild with their
  users, in one command and one packed reply. A user's bucket is computed here from its 8-byte id
  as keys.ts bucketOf does from the decimal one (last 9 decimal digits mod the count), in steps
  that stay exact in Lua's doubles.

  KEYS     none
  ARGV[1]  the key prefix
  ARGV[2]  the guild's member bucket key without the bucket number (keys.ts memberBucketPrefix)
  ARGV[3]  the first bucket
  ARGV[4]  the last bucket + 1
  ARGV[5]  the store's user bucket count

  Returns  one string: for each bucket with members a bucket marker, then its packed members
           (includes/packed-member.lua: the format; its functions are inlined below).
]]
--- @include "keys"
--- @include "user-keys"
local byte, char, spack, call = string.byte, string.char, struct.pack, redis.call
-- userOf and put (includes/packed-member.lua) inlined: this loop runs per member of an iteration,
-- and the two calls per member were ~10 % of its Redis time.
local prefix, base = ARGV[1], ARGV[2]
local first, last, ub = tonumber(ARGV[3]), tonumber(ARGV[4]) - 1, tonumber(ARGV[5])
local out, n, ukeys, utkeys = {}, 0, {}, {}
for b = first, last do
  local key = base .. b
  local flat = call('HGETALL', key)
  if #flat > 0 then
    n = n + 1
    out[n] = spack('>BI4', 255, b)
  end
  local split = nil
  for i = 2, #flat, 2 do
    if byte(flat[i], 1) == 255 then split = split or {}; split[#split + 1] = flat[i - 1] end
  end
  local tails = nil
  if split then
    tails = {}
    local t = call('HMGET', key .. KEY_MEMBER_TAILS, unpack(split))
    for j = 1, #split do tails[split[j]] = t[j] end
  end
  for i = 1, #flat, 2 do
    local f, m = flat[i], flat[i + 1]
    local flags, mt = 0, ''
    if tails and byte(m, 1) == 255 then
      mt = tails[f]
      if mt then flags = 8 else flags, mt = 1, '' end
    end
    local u, ut = '', ''
    if #f == 8 then
      local b1, b2, b3, b4, b5, b6, b7, b8 = byte(f, 1, 8)
      local x = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
      x = (x % 1000000000) * 65536 % 1000000000 * 65536 % 1000000000
      x = (x + ((b5 * 256 + b6) * 256 + b7) * 256 + b8) % 1000000000
      local ubk = x % ub
      local ukey, utkey = ukeys[ubk], utkeys[ubk]
      if not ukey then
        ukey, utkey = userKeys(prefix, ubk)
        ukeys[ubk], utkeys[ubk] = ukey, utkey
      end
      u = call('HGET', ukey, f)
      if not u then u, flags = '', flags + 2
      elseif byte(u, 1) == 255 then
        local t = call('HGET', utkey, f)
        if t then ut, flags = t, flags + 16 else flags = flags + 4 end
      end
    else
      flags = flags + 2
    end
    local ml, ul = #m + #mt, #u + #ut
    if ml < 65536 and ul < 65536 and #f < 256 then
      local mlo, ulo = ml % 256, ul % 256
      out[n + 1] = char(flags, #f, (ml - mlo) / 256, mlo, (ul - ulo) / 256, ulo)
    else
      out[n + 1] = spack('>BI4I4I4', flags + 32, #f, ml, ul)
    end
    out[n + 2] = f
    out[n + 3] = m
    out[n + 4] = mt
    out[n + 5] = u
    out[n + 6] = ut
    n = n + 6
  end
end
return table.concat(out)
