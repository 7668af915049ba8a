--[[
  Invite writes of a batch call (batch.lua), in batch order: an invite's record (a string that
  expires with the invite) and its expiring indexes (every invite, by guild, by channel:
  batch-indexes.lua).

  invite_place(record)   the guild and channel of a stored invite record ({ guild_id, channel_id }:
                         decimal text or false), nil when it can't be read here (the call's pre-pass
                         refuses those before anything is written: invite_check)
  invite_check(key)      nil when the invite key holds nothing or a readable record, else the error
                         reply naming it (SAKEDATA)
  invite_set(b, code, guild, channel, score, at, record)
                         set invite `code` (guild and channel '' for none; score: expiry ms or 'inf';
                         at: PXAT ms or '0'), moving it out of the indexes its previous record had
  invite_delete(b, code) delete it and its index entries
  invite_clear_channel(b, channel)
                         delete the invites the channel's index lists that are still in it
]]
--- @include "keys"
--- @include "record-ids"
--- @include "batch-indexes"
local INVITE_PLACE = { 'guild_id', 'channel_id' }

local function invite_place(record)
  return record_ids(record, 'invite', INVITE_PLACE)
end

local function invite_check(key)
  local t = redis.call('TYPE', key)['ok']
  if t == 'none' then return nil end
  if t ~= 'string' then return redis.error_reply('SAKEDATA ' .. key .. ': holds a ' .. t .. ', not an invite record') end
  if not invite_place(redis.call('GET', key)) then
    return redis.error_reply('SAKEDATA ' .. key .. ': an invite record whose guild and channel cannot be read')
  end
  return nil
end

-- Drop `code` from the guild and channel indexes of `place` that `keep` (a place, or nil) lacks.
local function invite_unindex(b, code, place, keep)
  local g, c = place.guild_id, place.channel_id
  if g and g ~= (keep and keep.guild_id) then idx_remove(b.ix, b.prefix .. KEY_INVITES_BY_GUILD .. g, code) end
  if c and c ~= (keep and keep.channel_id) then idx_remove(b.ix, b.prefix .. KEY_INVITES_BY_CHANNEL .. c, code) end
end

local function invite_set(b, code, guild, channel, score, at, record)
  local key = b.prefix .. KEY_INVITE .. code
  local old
  if at == '0' then old = redis.call('SET', key, record, 'GET') else old = redis.call('SET', key, record, 'PXAT', at, 'GET') end
  local place = { guild_id = guild ~= '' and guild, channel_id = channel ~= '' and channel }
  -- (The pre-pass read every stored invite this call writes; one this call wrote is readable.)
  if old then invite_unindex(b, code, invite_place(old), place) end
  idx_add(b.ix, b.prefix .. KEY_ALL_INVITES, score, code)
  if place.guild_id then idx_add(b.ix, b.prefix .. KEY_INVITES_BY_GUILD .. guild, score, code) end
  if place.channel_id then idx_add(b.ix, b.prefix .. KEY_INVITES_BY_CHANNEL .. channel, score, code) end
end

-- Delete invite `code`, whose stored record is `old` (nil: none), and its index entries.
local function invite_drop(b, code, old)
  if old then
    redis.call('DEL', b.prefix .. KEY_INVITE .. code)
    invite_unindex(b, code, invite_place(old), nil)
  end
  idx_remove(b.ix, b.prefix .. KEY_ALL_INVITES, code)
end

local function invite_delete(b, code)
  invite_drop(b, code, redis.call('GET', b.prefix .. KEY_INVITE .. code))
end

local function invite_clear_channel(b, channel)
  local key = b.prefix .. KEY_INVITES_BY_CHANNEL .. channel
  idx_touch(b.ix, key)
  for _, code in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local record = redis.call('GET', b.prefix .. KEY_INVITE .. code)
    -- One that is gone leaves this index only; one that moved to another channel is that channel's.
    if not record then
      idx_remove(b.ix, key, code)
    elseif invite_place(record).channel_id == channel then
      invite_drop(b, code, record)
    end
  end
end
