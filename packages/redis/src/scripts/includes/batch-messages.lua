--[[
  Message writes of a batch call (batch.lua), in batch order, with their indexes: the message's
  record, the all-messages, guild, channel and author indexes, the channel limit's evictions and
  the index entries a message moved out of. `b` is the call's state: { prefix, buckets (user
  bucket count), ix (batch-indexes.lua), us (batch-users.lua), placed, unplacedOld,
  unplacedEvicted }.

  A placement is { channel, guild, author, af, ab }: decimal ids (guild and author false when
  none), the author's 8-byte id and user bucket number. `b.placed[id]` is that of each message the
  call set, so dropping or moving one needs no parse of its record; others are parsed
  (message-placement.lua). What can't be parsed is left to the caller: a replaced value in
  `b.unplacedOld` (id → its bytes), an evicted message in `b.unplacedEvicted` (id → true).

  message_set(b, id, place, score, at, record)   set a message (`at`: PXAT ms, '0' none), index it
                                                 (score: expiry ms or 'inf') under `place`, apply
                                                 `place.limit` (0: none) to its channel
  message_unindex(b, id, place, reschedule)      drop id from the indexes of `place` (a moved
                                                 message's old entries, found by the caller);
                                                 `reschedule`: its author's orphan deadline is
                                                 worked out anew (else a deadline it has stays)
  message_drop(b, id)                            delete the record of message id and its entry in
                                                 the all-messages index
  message_delete(b, id)                          delete message id with its index entries
  message_merge(b, id, patch, create, moves, score, at)
                                                 merge `patch` (a message record) into stored
                                                 message id (record-merge.lua), keeping its expiry;
                                                 `moves` (nil: none) holds the placement fields the
                                                 patch sets, and a merge that moves the message
                                                 re-indexes it; an absent one is created from the
                                                 patch as message_set would under placement
                                                 `create`, or left absent when that is nil
  message_clear_channel(b, channel)              delete every message channel's index lists that
                                                 is still in that channel (a channel delete's
                                                 cascade), as message_delete does, in one
                                                 command per index per 1 000
  message_react(b, id, change, checked)          change the reactions of stored message id
                                                 (reactions.lua), keeping its expiry; an absent
                                                 one stays absent. `checked` (nil: none) is the
                                                 change made already: { before, after } records,
                                                 `after` written when `before` is stored
]]
--- @include "keys"
--- @include "message-placement"
--- @include "snowflakes"
--- @include "schemas"
--- @include "record-merge"
--- @include "batch-indexes"
--- @include "batch-users"
--- @include "reactions"
--- @include "groups"

-- `p` (a placement or nil) with its author's id bytes and bucket.
local function with_author(b, p)
  if p and p.author then
    p.af = snowflake_bytes(p.author)
    p.ab = tostring(bucket_of(p.author, b.buckets))
  end
  return p
end

-- The placement of a stored record, with the author's id bytes and bucket; nil when it can't be
-- parsed. `leading`: the record is about to be deleted, its leading fields are enough.
local function parsed_placement(b, record, leading)
  return with_author(b, (leading and message_placement_leading or message_placement)(record))
end

-- Bytes of a record read for the placement of a message about to go: its leading fields (the ids
-- and the author object) fit in them, and reading a whole record (~1–2 KB with its reactions) into
-- Lua costs about twice as much.
local PLACEMENT_HEAD = 256

-- The placement of the stored message at `key` that is about to go (parsed_placement's, leading),
-- read from its first PLACEMENT_HEAD bytes when they hold the leading fields; '' when there is no
-- record, nil when it can't be parsed.
local function doomed_placement(b, key)
  local head = redis.call('GETRANGE', key, 0, PLACEMENT_HEAD - 1)
  if head == '' and redis.call('EXISTS', key) == 0 then return '' end
  if #head == PLACEMENT_HEAD then
    local p = leading_placement(head)
    if p then return with_author(b, p) end
    head = redis.call('GET', key)
  end
  return parsed_placement(b, head, true)
end

-- Drop id from its author's index. `reschedule`: the author's orphan deadline is worked out anew
-- from what still refers to it (an eviction, as the plan's index call does); otherwise a deadline
-- it has stays (a delete or a move, as the plan's user ops do).
local function unindex_author(b, id, place, reschedule)
  local st = user_at(b.us, place.ab, place.af)
  idx_remove(b.ix, author_key(st.bucket, place.af), id)
  if reschedule then st.messages[place.af] = true end
end

local function message_drop(b, id)
  b.placed[id] = nil
  redis.call('UNLINK', b.prefix .. KEY_MESSAGE .. id)
  idx_remove(b.ix, b.prefix .. KEY_ALL_MESSAGES, id)
end

local function message_unindex(b, id, place, reschedule)
  if place.guild then idx_remove(b.ix, b.prefix .. KEY_MESSAGES_BY_GUILD .. place.guild, id) end
  if place.channel then idx_remove(b.ix, b.prefix .. KEY_MESSAGES_BY_CHANNEL .. place.channel, id) end
  if place.author then unindex_author(b, id, place, reschedule) end
end

-- The placement of stored message id: the call's own, else its record's; nil when there is no
-- record (its all-messages entry is dropped), false when it can't be parsed (noted for the caller
-- with `channel`, the channel whose index named it, '' for none).
local function stored_placement(b, id, channel)
  local place = b.placed[id]
  if place then return place end
  place = doomed_placement(b, b.prefix .. KEY_MESSAGE .. id)
  if place == '' then
    idx_remove(b.ix, b.prefix .. KEY_ALL_MESSAGES, id)
    return nil
  end
  if not place then
    b.unplacedEvicted[id] = channel
    return false
  end
  return place
end

-- Delete message id and its index entries (`reschedule`: see unindex_author).
local function drop_placed(b, id, place, reschedule)
  message_drop(b, id)
  message_unindex(b, id, place, reschedule)
end

-- Drop a message a channel limit evicted: its record and its other indexes. One stored in another
-- channel by now (it moved) is in that channel's index, not this one: it stays.
local function drop_evicted_message(b, id, channel)
  local place = stored_placement(b, id, channel)
  if place and place.channel == channel then drop_placed(b, id, place, true) end
end

local function message_delete(b, id)
  local place = stored_placement(b, id, '')
  if place then drop_placed(b, id, place) end
end

-- The entries of a message's old placement that its new one does not have.
local function moved_from(old, new)
  return {
    guild = old.guild ~= new.guild and old.guild,
    channel = old.channel ~= new.channel and old.channel,
    author = old.author ~= new.author and old.author,
    af = old.af,
    ab = old.ab,
  }
end

local function message_set(b, id, place, score, at, record)
  local key = b.prefix .. KEY_MESSAGE .. id
  local old
  if at == '0' then old = redis.call('SET', key, record, 'GET') else old = redis.call('SET', key, record, 'PXAT', at, 'GET') end
  b.unplacedEvicted[id] = nil
  if old then
    local before = b.placed[id] or parsed_placement(b, old, true)
    if before then message_unindex(b, id, moved_from(before, place)) else b.unplacedOld[id] = old end
  end
  b.placed[id] = place
  if place.author then
    local st = user_at(b.us, place.ab, place.af)
    idx_add(b.ix, author_key(st.bucket, place.af), score, id)
    st.messages[place.af] = true
  end
  idx_add(b.ix, b.prefix .. KEY_ALL_MESSAGES, score, id)
  if place.guild then idx_add(b.ix, b.prefix .. KEY_MESSAGES_BY_GUILD .. place.guild, score, id) end
  local channelKey = b.prefix .. KEY_MESSAGES_BY_CHANNEL .. place.channel
  if place.limit > 0 then
    for _, evicted in ipairs(idx_add_limited(b.ix, channelKey, score, id, place.limit)) do drop_evicted_message(b, evicted, place.channel) end
  else
    idx_add(b.ix, channelKey, score, id)
  end
end

-- Where a merged message goes: `old` overlaid with the placement fields `moves` sets.
local function overlaid(old, moves)
  local base = old or {}
  local new = { channel = moves.channel or base.channel, guild = base.guild, author = base.author, af = base.af, ab = base.ab, limit = 0 }
  if moves.guild ~= nil then new.guild = moves.guild end
  if moves.author ~= nil then new.author, new.af, new.ab = moves.author, moves.af, moves.ab end
  return new
end

local function same_place(a, b)
  return a.channel == b.channel and a.guild == b.guild and a.author == b.author
end

local function message_merge(b, id, patch, create, moves, score, at)
  local key = b.prefix .. KEY_MESSAGE .. id
  local stored = redis.call('GET', key)
  if not stored then
    if create then message_set(b, id, create, score, at, patch) end
    return
  end
  -- (A patch equal to the stored record changes nothing, and is the cheapest test.)
  if stored == patch then return end
  local merged, why = merge_record(stored, patch, SCHEMA_FIELDS.message)
  if not merged then error({ err = 'SAKEDATA ' .. key .. ': ' .. why }) end
  if merged == stored then return end
  if moves then
    local old = b.placed[id] or parsed_placement(b, stored, true)
    local new = overlaid(old, moves)
    if not old then b.unplacedOld[id] = stored end
    if new.channel and not (old and same_place(old, new)) then
      -- Moved: set again where it goes now, with the expiry it has (message_set drops the old entries).
      local pttl = redis.call('PTTL', key)
      local keep = pttl > 0 and tostring(b.ix.now + pttl) or nil
      message_set(b, id, new, keep or 'inf', keep or '0', merged)
      return
    end
  end
  redis.call('SET', key, merged, 'KEEPTTL')
end

local function message_react(b, id, change, checked)
  local key = b.prefix .. KEY_MESSAGE .. id
  local stored = redis.call('GET', key)
  if not stored then return end
  local new = checked and checked.before == stored and checked.after or reacted(stored, change)
  -- The call checked every reacted record first (batch.lua); one that fails here was written so by this call.
  if not new then error({ err = 'SAKEDATA ' .. key .. ': reactions the script can not change' }) end
  if new ~= stored then redis.call('SET', key, new, 'KEEPTTL') end
end

-- Messages a channel clear drops in one command per index.
local CLEAR_PART = 1000

-- ids[from..to] of channel's index, cleared as message_delete would clear each one still in the
-- channel (stored_placement's rules), in one command per index, not several per message.
local function message_clear_part(b, channel, ids, from, to)
  local all = b.prefix .. KEY_ALL_MESSAGES
  local drops, groups, order = {}, {}, {}
  for k = from, to do
    local id = ids[k]
    local place = stored_placement(b, id, channel)
    if place and place.channel == channel then
      b.placed[id] = nil
      drops[#drops + 1] = b.prefix .. KEY_MESSAGE .. id
      group_add(groups, order, all, id)
      if place.guild then group_add(groups, order, b.prefix .. KEY_MESSAGES_BY_GUILD .. place.guild, id) end
      if place.author then
        local st = user_at(b.us, place.ab, place.af)
        group_add(groups, order, author_key(st.bucket, place.af), id)
      end
    end
  end
  if #drops > 0 then redis.call('UNLINK', unpack(drops)) end
  for _, index in ipairs(order) do idx_remove_many(b.ix, index, groups[index]) end
end

local function message_clear_channel(b, channel)
  local key = b.prefix .. KEY_MESSAGES_BY_CHANNEL .. channel
  -- Touched first: its expired entries go, and those of the call's limited adds are followed.
  idx_touch(b.ix, key)
  local ids = redis.call('ZRANGE', key, 0, -1)
  for from = 1, #ids, CLEAR_PART do message_clear_part(b, channel, ids, from, math.min(from + CLEAR_PART - 1, #ids)) end
  idx_remove_many(b.ix, key, ids)
end
