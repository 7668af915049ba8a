--[[
  sakeReadUsers (single node: the keys span slots, and are built here from the prefix, which a
  standalone server allows): the users joined to a window of members, in one command with three
  arguments. Used by the per-command window path, which a sakeReadMemberWindow call falls back to
  after a WRONGTYPE.

  KEYS     none
  ARGV[1]  the key prefix
  ARGV[2]  the users' 8-byte ids back to back
  ARGV[3]  their user buckets as 4-byte big-endian integers

  Returns  {head|nil, tail|nil} per user, flattened; a tail is read only for a head marked split.
]]
--- @include "user-keys"
local prefix = ARGV[1]
local ids = ARGV[2]
local buckets = ARGV[3]
local out = {}
for i = 1, #ids / 8 do
  local f = string.sub(ids, 8 * i - 7, 8 * i)
  local b = struct.unpack('>I4', buckets, 4 * i - 3)
  local key, tkey = userKeys(prefix, b)
  local h = redis.call('HGET', key, f)
  local t = false
  if h and string.byte(h, 1) == 255 then t = redis.call('HGET', tkey, f) end
  out[2 * i - 1] = h
  out[2 * i] = t
end
return out
