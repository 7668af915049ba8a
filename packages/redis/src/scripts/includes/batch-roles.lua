--[[
  A role removal in a batch call (batch.lua): the role's index in the guild's role dictionary
  (keys.ts roleDictionary) dropped from every member of the guild stored at that point of the call
  whose roles are in place (member-roles.lua stripBucket), as sakeStripRoles drops it. Members
  written later in the call keep the roles they are written with.

  role_strip_check(b, guild, rf, text, limit)
      nil when role_strip can remove role rf (8-byte id; `text`: its decimal id) from `guild`
      alone; else the error reply 'SAKEPLAN <guild>: <why>' (the caller removes it another way)
      when the guild has more than `limit` members (one call would hold Redis too long) or a
      stored member that may hold the role has its roles elsewhere than in place or can't be
      parsed (member-roles.lua holderCandidates), or 'SAKEDATA <key>: …' when a member bucket key
      holds another type. Run by the call's pre-pass, before anything is written.
  role_strip(b, guild, rf)
      drop the role from every member of the guild whose roles are in place
]]
--- @include "keys"
--- @include "aligned-find"
--- @include "member-roles"

-- The guild's role dictionary index of role rf, or nil when no member ever held it.
local function role_index(b, guild, rf)
  local dictionary = redis.call('GET', b.prefix .. KEY_GUILD_TAG_OPEN .. guild .. KEY_GUILD_TAG_CLOSE .. KEY_ROLE_DICTIONARY)
  local at = dictionary and alignedFind(dictionary, rf, 8)
  return at and (at - 1) / 8
end

-- The guild's member bucket key without its number, and its bucket count (nil: no members).
local function member_buckets(b, guild)
  local tag = b.prefix .. KEY_GUILD_TAG_OPEN .. guild .. KEY_GUILD_TAG_CLOSE
  return tag .. KEY_MEMBER_BUCKET, tonumber(redis.call('HGET', tag .. KEY_GUILD_META, 'mb')), tag .. KEY_GUILD_META
end

local function role_strip_check(b, guild, rf, text, limit)
  local base, nb, meta = member_buckets(b, guild)
  if not nb then return nil end
  local plan = 'SAKEPLAN ' .. guild .. ': '
  if (tonumber(redis.call('HGET', meta, 'mc')) or 0) > tonumber(limit) then return redis.error_reply(plan .. 'more members than one call strips') end
  -- (A role not in the dictionary is held by no record in place, but maybe by one verbatim.)
  local index = role_index(b, guild, rf)
  local wanted = index and { [index] = true } or {}
  local found = {}
  for k = 0, nb - 1 do
    local key = base .. k
    local t = redis.call('TYPE', key)['ok']
    if t ~= 'hash' and t ~= 'none' then return redis.error_reply('SAKEDATA ' .. key .. ': holds a ' .. t .. ', not a member bucket') end
    holderCandidates(key, wanted, { rf, text }, found)
    if #found > 0 then return redis.error_reply(plan .. 'a member whose roles are not in place may hold the role') end
  end
  return nil
end

local function role_strip(b, guild, rf)
  local index = role_index(b, guild, rf)
  local base, nb = member_buckets(b, guild)
  if not index or not nb then return end
  for k = 0, nb - 1 do stripBucket(base .. k, { [index] = true }, {}) end
end
