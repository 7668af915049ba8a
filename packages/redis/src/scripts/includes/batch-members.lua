--[[
  Member writes of a batch call (batch.lua), in batch order. `b` is the call's state: { prefix,
  us (batch-users.lua), guilds (guild id → { tag, meta, buckets }), noted (guild ids noted) }. Members are named by their
  user's 8-byte id f, its user bucket number ub and its bucket seed `seed` (keys.ts bucketSeed);
  `ref` is the guild's 4-byte reference in the user lists (resources/guild-refs.ts).

  guild_tag(b, guild)         the guild's hash tag (keys.ts guildTag)
  child_key(b, guild, hash)   its child hash `hash` (keys.ts guildChild: 'ch', 'ro', 'em', 'pr', 'vs')
  note_guild(b, guild)        note the guild in the set of guilds with data in their slot
  guild_at(b, guild, create)  the guild's keys and member bucket count (nil without one unless
                              `create`: a single bucket then, and the guild noted)
  member_set(b, guild, f, ub, seed, record, ref, userRecord)
      set member f of `guild` (names as member_merge has them) and its user (`userRecord`, written
      whole), and add the guild to the user's member list
  member_delete(b, guild, f, ub, seed, ref)
      delete member f (its user stays, perhaps as an orphan)
  user_merge(b, f, ub, patch, upsert)
      merge user f as member_merge merges a member's; an absent one is created only with `upsert`

  member_merge(b, guild, f, ub, seed, patch, ref, userPatch)
      merge member f (8-byte id; user bucket number ub, bucket seed `seed`) of guild `guild`:
      `patch` (a member record) spliced over the stored record (record-merge.lua), written only
      when that changes it; an absent member is created from the patch, and its user's member
      list gets guild reference `ref` (4 bytes: resources/guild-refs.ts); a stored one pins its
      user for the call (batch-users.lua user_list). `userPatch` (a user
      record, '' for none) is merged into the user the same way; a user past its orphan deadline
      is created anew from it.
]]
--- @include "keys"
--- @include "schemas"
--- @include "record-merge"
--- @include "stored-record"
--- @include "batch-users"

local function guild_tag(b, guild)
  return b.prefix .. KEY_GUILD_TAG_OPEN .. guild .. KEY_GUILD_TAG_CLOSE
end

local function child_key(b, guild, hash)
  return guild_tag(b, guild) .. KEY_GUILD_CHILD .. hash
end

local function note_guild(b, guild)
  if b.noted[guild] then return end
  b.noted[guild] = true
  -- Iterating every child walks the guilds of this set.
  redis.call('SADD', b.prefix .. KEY_GUILD_SLOTS, guild)
end

-- Read once per call. A guild without a bucket count gets a single bucket (a member replace sizes
-- them; the plan's merges do the same).
local function guild_at(b, guild, create)
  local g = b.guilds[guild]
  if not g then
    local tag = guild_tag(b, guild)
    g = { tag = tag, meta = tag .. KEY_GUILD_META }
    g.buckets = tonumber(redis.call('HGET', g.meta, 'mb'))
    b.guilds[guild] = g
  end
  if create then
    if not g.buckets then
      g.buckets = 1
      redis.call('HSET', g.meta, 'mb', 1)
    end
    note_guild(b, guild)
  end
  return g.buckets and g or nil
end

local function member_key(g, seed)
  return g.tag .. KEY_MEMBER_BUCKET .. (tonumber(seed) % g.buckets)
end

-- `listed`: a stored member refers to f, so f has no orphan deadline (a user a list refers to is
-- taken off the schedule by the call that lists it).
local function merge_user(b, st, f, patch, upsert, listed)
  local bucket = st.bucket
  local stored = stored_record(bucket.users, bucket.ut, f)
  -- A user past its orphan deadline is gone for every read, swept or not; but not one this call wrote.
  if stored and not listed and not st.wrote[f] and user_due(b.us, st, f) then stored = nil end
  if not stored and not upsert then return end
  local merged, why = patch, nil
  if stored and stored ~= patch then merged, why = merge_record(stored, patch, SCHEMA_FIELDS.user) end
  if not merged then error({ err = 'SAKEDATA ' .. bucket.users .. ': ' .. why }) end
  if merged == stored then return end
  store_record(bucket.users, bucket.ut, f, merged)
  user_touch(st, f)
  if stored == nil then st.wrote[f] = true end
end

local function member_merge(b, guild, f, ub, seed, patch, ref, userPatch)
  local g = guild_at(b, guild, true)
  local key = member_key(g, seed)
  local tails = key .. KEY_MEMBER_TAILS
  local stored = stored_record(key, tails, f)
  -- The user is touched only when its list or record changes (most merges change neither).
  local st = user_at(b.us, ub)
  if not stored then
    store_record(key, tails, f, patch)
    redis.call('HINCRBY', g.meta, 'mc', 1)
    user_list(st, 'mg', f, ref, true)
  elseif patch ~= stored then
    -- (A patch equal to the stored record changes nothing: a message's author sent with every message.)
    local merged, why = merge_record(stored, patch, SCHEMA_FIELDS.member)
    if not merged then error({ err = 'SAKEDATA ' .. key .. ': ' .. why }) end
    if merged ~= stored then store_record(key, tails, f, merged) end
  end
  -- A stored member pins its user: the call's end need not look up what refers to it (a message's
  -- author, rescheduled for its new message), nor take off a deadline (a listed user has none). A
  -- later delete unpins it; one added by this call stays pinned as added.
  if stored and not st.pinned[f] then st.pinned[f] = 'listed' end
  if userPatch ~= '' then merge_user(b, st, f, userPatch, true, stored ~= nil) end
end

local function member_set(b, guild, f, ub, seed, record, ref, userRecord)
  local g = guild_at(b, guild, true)
  local key = member_key(g, seed)
  if redis.call('HEXISTS', key, f) == 0 then redis.call('HINCRBY', g.meta, 'mc', 1) end
  store_record(key, key .. KEY_MEMBER_TAILS, f, record)
  local st = user_at(b.us, ub)
  user_list(st, 'mg', f, ref, true)
  local bucket = st.bucket
  if stored_record(bucket.users, bucket.ut, f) ~= userRecord then store_record(bucket.users, bucket.ut, f, userRecord) end
  -- Written, also when its bytes were stored already: one past its orphan deadline is set anew.
  user_touch(st, f)
  st.wrote[f] = true
end

local function member_delete(b, guild, f, ub, seed, ref)
  local g = guild_at(b, guild, false)
  if g then
    local key = member_key(g, seed)
    if redis.call('HDEL', key, f) == 1 then redis.call('HINCRBY', g.meta, 'mc', -1) end
    redis.call('HDEL', key .. KEY_MEMBER_TAILS, f)
  end
  user_list(user_at(b.us, ub, f), 'mg', f, ref, false)
end

local function user_merge(b, f, ub, patch, upsert)
  merge_user(b, user_at(b.us, ub), f, patch, upsert)
end
