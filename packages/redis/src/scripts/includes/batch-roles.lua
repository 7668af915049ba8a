--[[
  Role removals in a batch call (batch.lua): the roles' indexes in the guild's role dictionary
  (keys.ts roleDictionary) dropped from every member of the guild stored at that point of the call
  whose roles are in place (member-roles.lua stripBucket), as sakeStripRoles drops them. Members
  written later in the call keep the roles they are written with.

  role_strip_check(b, guild, rfs, texts, limit)
      nil when role_strip can remove roles `rfs` (8-byte ids back to back; `texts`: their decimal
      ids, comma-separated) from `guild` alone; else the error reply 'SAKEPLAN <guild>: <why>' (the caller removes it another way)
      when the guild has more than `limit` members (false: no limit; one call would hold Redis
      too long) or a
      stored member that may hold the role has its roles elsewhere than in place or can't be
      parsed (member-roles.lua holderCandidates), or 'SAKEDATA <key>: …' when a member bucket key
      holds another type. Run by the call's pre-pass, before anything is written.
  role_strip(b, guild, rfs)
      drop the roles from every member of the guild whose roles are in place
]]
--- @include "keys"
--- @include "aligned-find"
--- @include "member-roles"
--- @include "batch-members"

-- The guild's role dictionary indexes of roles `rfs` (8-byte ids back to back), as a set (a role
-- no member ever held has none), and how many there are.
local function role_indexes(b, guild, rfs)
  local dictionary = redis.call('GET', guild_tag(b, guild) .. KEY_ROLE_DICTIONARY)
  local wanted, n = {}, 0
  for p = 1, #rfs, 8 do
    local at = dictionary and alignedFind(dictionary, string.sub(rfs, p, p + 7), 8)
    if at then
      wanted[(at - 1) / 8] = true
      n = n + 1
    end
  end
  return wanted, n
end

-- The guild's member bucket key without its number, and its bucket count (nil: no members).
local function member_buckets(b, guild)
  local tag = guild_tag(b, guild)
  return tag .. KEY_MEMBER_BUCKET, tonumber(redis.call('HGET', tag .. KEY_GUILD_META, 'mb')), tag .. KEY_GUILD_META
end

local function role_strip_check(b, guild, rfs, texts, limit)
  local base, nb, meta = member_buckets(b, guild)
  if not nb then return nil end
  local plan = 'SAKEPLAN ' .. guild .. ': '
  if limit and (tonumber(redis.call('HGET', meta, 'mc')) or 0) > tonumber(limit) then return redis.error_reply(plan .. 'more members than one call strips') end
  -- (A role not in the dictionary is held by no record in place, but maybe by one verbatim.)
  local wanted = role_indexes(b, guild, rfs)
  local needles = {}
  for p = 1, #rfs, 8 do needles[#needles + 1] = string.sub(rfs, p, p + 7) end
  for text in string.gmatch(texts, '%d+') do needles[#needles + 1] = text end
  local found = {}
  for k = 0, nb - 1 do
    local key = base .. k
    local t = redis.call('TYPE', key)['ok']
    if t ~= 'hash' and t ~= 'none' then return redis.error_reply('SAKEDATA ' .. key .. ': holds a ' .. t .. ', not a member bucket') end
    holderCandidates(key, wanted, needles, found)
    if #found > 0 then return redis.error_reply(plan .. 'a member whose roles are not in place may hold a removed role') end
  end
  return nil
end

local function role_strip(b, guild, rfs)
  local wanted, n = role_indexes(b, guild, rfs)
  local base, nb = member_buckets(b, guild)
  if n == 0 or not nb then return end
  for k = 0, nb - 1 do stripBucket(base .. k, wanted, {}) end
end
