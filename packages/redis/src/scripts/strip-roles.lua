--[[
  sakeStripRoles: a removeRole in Redis. Drops role dictionary indexes from the members of one
  guild whose roles are in place (includes/member-roles.lua), a few buckets per call, after the
  batch's guild ops: Redis serves other clients between calls, where one call over a 100k-member
  guild held it for ~350 ms. Only records it can't edit that way (an older version, roles kept
  verbatim in the extension map, bytes it can't parse) are found by sakeRoleHolders beforehand and
  rewritten by Node. A record keeps its stored form (codec/split.ts): over 64 bytes, a marked
  63-byte head in the bucket and the rest in the tail hash; shorter, whole (its stale tail
  deleted). A split record is joined only when its head can't answer (the roles array usually ends
  inside it); a head whose tail is missing is left as it is (every read reports it).

  KEYS[1]  the guild's meta hash (keys.ts guildMeta; its `mb` field is the bucket count; every key
           built here, with the key parts of keys.ts, is in its slot)
  ARGV[1]  the first bucket
  ARGV[2]  how many members to go through before stopping at a bucket boundary
  ARGV[3]  k
  ARGV[4 … 3+k]  the indexes to drop
  ARGV[4+k …]    the 8-byte ids of members to leave as they are (the batch wrote them, with their
                 roles as the batch has them)

  Returns  the bucket to continue at, or -1 when done.
]]
--- @include "keys"
--- @include "member-roles"
local meta = KEYS[1]
local base = string.sub(meta, 1, -#KEY_GUILD_META - 1) .. KEY_MEMBER_BUCKET
local from, budget, k = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local wanted, keep = {}, {}
for j = 4, 3 + k do wanted[tonumber(ARGV[j])] = true end
for j = 4 + k, #ARGV do keep[ARGV[j]] = true end
local nb = tonumber(redis.call('HGET', meta, 'mb'))
if not nb then return -1 end

local seen, b = 0, from
while b < nb and seen < budget do
  seen = seen + stripBucket(base .. b, wanted, keep)
  b = b + 1
end
if b >= nb then return -1 end
return b
