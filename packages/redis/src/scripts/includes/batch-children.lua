--[[
  Presence and voice state writes of a batch call (batch.lua), in batch order: the guild's child
  hash (keys.ts GUILD_CHILD_HASH: 'pr', 'vs'), the user's presence list and the voice channel
  sets. Names as in batch-members.lua.

  presence_set(b, guild, f, ub, record, ref)     set user f's presence in `guild`
  presence_delete(b, guild, f, ub, ref)          delete it
  voice_set(b, guild, user, f, channel, record)  set the voice state of user `user` (decimal; f:
                                                 8 bytes) in `channel` ('' for none)
  voice_delete(b, guild, user, f)                delete it
  A replaced voice state whose channel can't be read here is an error reply naming its key.
]]
--- @include "keys"
--- @include "schemas"
--- @include "record-merge"
--- @include "snowflakes"
--- @include "batch-users"
--- @include "batch-members"

local function child_key(b, guild, hash)
  return b.prefix .. KEY_GUILD_TAG_OPEN .. guild .. KEY_GUILD_TAG_CLOSE .. KEY_GUILD_CHILD .. hash
end

local function presence_set(b, guild, f, ub, record, ref)
  note_guild(b, guild)
  redis.call('HSET', child_key(b, guild, 'pr'), f, record)
  user_list(user_at(b.us, ub, f), 'pg', f, ref, true)
end

local function presence_delete(b, guild, f, ub, ref)
  redis.call('HDEL', child_key(b, guild, 'pr'), f)
  user_list(user_at(b.us, ub, f), 'pg', f, ref, false)
end

-- Field number of channel_id in voice state records, found on first use.
local VOICE_CHANNEL_AT

-- The channel (decimal id, or false for none) of a stored voice state record.
local function voice_channel(key, record)
  if not VOICE_CHANNEL_AT then
    for i, name in ipairs(SCHEMA_FIELDS.voiceState) do
      if name == 'channel_id' then VOICE_CHANNEL_AT = i end
    end
  end
  local vals, by_name = record_fields(record, SCHEMA_FIELDS.voiceState)
  if vals and not by_name.channel_id then
    local v = vals[VOICE_CHANNEL_AT]
    if v == nil or v == 1 or v == '\192' then return false end
    if type(v) == 'string' and #v == 10 and string.byte(v, 1) == 0xc4 and string.byte(v, 2) == 8 then return snowflake_text(string.sub(v, 3)) end
  end
  error({ err = 'SAKEDATA ' .. key .. ': a voice state whose channel cannot be read' })
end

-- Move `guild:user` between voice channel sets: out of the stored state's channel, into `channel`.
local function voice_move(b, key, f, member, channel)
  local old = redis.call('HGET', key, f)
  local was = old and voice_channel(key, old)
  if was and was ~= channel then redis.call('SREM', b.prefix .. KEY_VOICE_IN_CHANNEL .. was, member) end
  if channel and channel ~= was then redis.call('SADD', b.prefix .. KEY_VOICE_IN_CHANNEL .. channel, member) end
end

local function voice_set(b, guild, user, f, channel, record)
  note_guild(b, guild)
  local key = child_key(b, guild, 'vs')
  voice_move(b, key, f, guild .. KEY_VOICE_MEMBER .. user, channel ~= '' and channel)
  redis.call('HSET', key, f, record)
end

local function voice_delete(b, guild, user, f)
  local key = child_key(b, guild, 'vs')
  voice_move(b, key, f, guild .. KEY_VOICE_MEMBER .. user, false)
  redis.call('HDEL', key, f)
end
