--[[
  sakeReadMemberWindow (single node: user keys are built here from the prefix, which a standalone
  server allows): every member of member buckets ARGV[3] … ARGV[4] - 1 of one guild with their
  users, in one command and one packed reply. A user's bucket is computed here from its 8-byte id
  as keys.ts bucketOf does from the decimal one (last 9 decimal digits mod the count), in steps
  that stay exact in Lua's doubles. The window's users are read per user bucket, one HMGET for the
  members sharing one (a window of ~500 members spans ~400 of 1 024 buckets: ~15 % less Redis time
  per member than an HGET each).

  KEYS     none
  ARGV[1]  the key prefix
  ARGV[2]  the guild's member bucket key without the bucket number (keys.ts memberBucketPrefix)
  ARGV[3]  the first bucket
  ARGV[4]  the last bucket + 1
  ARGV[5]  the store's user bucket count

  Returns  one string: for each bucket with members a bucket marker, then its packed members
           (includes/packed-member.lua: the format; put is inlined below).
]]
--- @include "keys"
--- @include "user-keys"
--- @include "groups"
local byte, char, spack, call = string.byte, string.char, struct.pack, redis.call
local prefix, base = ARGV[1], ARGV[2]
local first, last, ub = tonumber(ARGV[3]), tonumber(ARGV[4]) - 1, tonumber(ARGV[5])

-- The user bucket of 8-byte id f (keys.ts bucketOf).
local function bucket_of(f)
  local b1, b2, b3, b4, b5, b6, b7, b8 = byte(f, 1, 8)
  local x = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
  x = (x % 1000000000) * 65536 % 1000000000 * 65536 % 1000000000
  x = (x + ((b5 * 256 + b6) * 256 + b7) * 256 + b8) % 1000000000
  return x % ub
end

-- Each bucket's fields and values (flat) and the tails of its members marked split; the users
-- to read grouped by user bucket (`groups`, in `order`).
local flats, tailsOf, groups, order = {}, {}, {}, {}
for b = first, last do
  local key = base .. b
  local flat = call('HGETALL', key)
  flats[b] = flat
  local split = nil
  for i = 2, #flat, 2 do
    if byte(flat[i], 1) == 255 then split = split or {}; split[#split + 1] = flat[i - 1] end
  end
  if split then
    local tails, t = {}, call('HMGET', key .. KEY_MEMBER_TAILS, unpack(split))
    for j = 1, #split do tails[split[j]] = t[j] end
    tailsOf[b] = tails
  end
  for i = 1, #flat, 2 do
    local f = flat[i]
    if #f == 8 then
      group_add(groups, order, bucket_of(f), f)
    end
  end
end

-- users[f]: the user's record, false when absent, or { head, tail } for one stored split ({ head }
-- when its tail is missing).
local users = {}
for _, ubk in ipairs(order) do
  local ukey, utkey = userKeys(prefix, ubk)
  local g = groups[ubk]
  if #g == 1 then
    users[g[1]] = call('HGET', ukey, g[1])
  else
    local got = call('HMGET', ukey, unpack(g))
    for j = 1, #g do users[g[j]] = got[j] end
  end
  for _, f in ipairs(g) do
    local u = users[f]
    if u and byte(u, 1) == 255 then
      local t = call('HGET', utkey, f)
      users[f] = t and { u, t } or { u }
    end
  end
end

local out, n = {}, 0
for b = first, last do
  local flat, tails = flats[b], tailsOf[b]
  if #flat > 0 then
    n = n + 1
    out[n] = spack('>BI4', 255, b)
  end
  for i = 1, #flat, 2 do
    local f, m = flat[i], flat[i + 1]
    local flags, mt = 0, ''
    if tails and byte(m, 1) == 255 then
      mt = tails[f]
      if mt then flags = 8 else flags, mt = 1, '' end
    end
    local u, ut = #f == 8 and users[f], ''
    if not u then
      u, flags = '', flags + 2
    elseif type(u) == 'table' then
      if u[2] then u, ut, flags = u[1], u[2], flags + 16 else u, flags = u[1], flags + 4 end
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
