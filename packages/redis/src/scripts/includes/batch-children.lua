--[[
  Presence and voice state writes of a batch call (batch.lua), in batch order: the guild's child
  hash (keys.ts GUILD_CHILD_HASH: 'pr', 'vs'), the user's presence list and the voice channel
  sets. Names as in batch-members.lua.

  presence_set(b, guild, f, ub, record, ref)     set user f's presence in `guild`
  presence_delete(b, guild, f, ub, ref)          delete it
  voice_set(b, guild, user, f, channel, record)  set the voice state of user `user` (decimal; f:
                                                 8 bytes) in `channel` ('' for none)
  voice_delete(b, guild, user, f)                delete it
  voice_clear_channel(b, channel)                delete the voice states its channel set lists
                                                 that are still in that channel
  A replaced voice state whose channel can't be read here is an error reply naming its key.
]]
--- @include "keys"
--- @include "schemas"
--- @include "record-merge"
--- @include "snowflakes"
--- @include "record-ids"
--- @include "batch-users"
--- @include "batch-members"

local function presence_set(b, guild, f, ub, record, ref)
  note_guild(b, guild)
  redis.call('HSET', child_key(b, guild, 'pr'), f, record)
  user_list(user_at(b.us, ub, f), 'pg', f, ref, true)
end

local function presence_delete(b, guild, f, ub, ref)
  redis.call('HDEL', child_key(b, guild, 'pr'), f)
  user_list(user_at(b.us, ub, f), 'pg', f, ref, false)
end

-- The channel (decimal id, or false for none) of a stored voice state record.
local function voice_channel(key, record)
  local ids = record_ids(record, 'voiceState', { 'channel_id' })
  if not ids then error({ err = 'SAKEDATA ' .. key .. ': a voice state whose channel cannot be read' }) end
  return ids.channel_id
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

local function voice_clear_channel(b, channel)
  for _, member in ipairs(redis.call('SMEMBERS', b.prefix .. KEY_VOICE_IN_CHANNEL .. channel)) do
    local at = string.find(member, KEY_VOICE_MEMBER, 1, true)
    local guild, user = string.sub(member, 1, at - 1), string.sub(member, at + #KEY_VOICE_MEMBER)
    local f = snowflake_bytes(user)
    local key = child_key(b, guild, 'vs')
    local stored = f and redis.call('HGET', key, f)
    -- One that moved to another channel since is listed there too: this clear is not about it.
    if stored and voice_channel(key, stored) == channel then voice_delete(b, guild, user, f) end
  end
end
