--[[
  Member writes of a batch call (batch.lua), in batch order. `b` is the call's state: { prefix,
  us (batch-users.lua), guilds (guild id → { tag, meta, buckets }) }.

  member_merge(b, guild, f, ub, seed, patch, ref, userPatch)
      merge member f (8-byte id; user bucket number ub, bucket seed `seed`) of guild `guild`:
      `patch` (a member record) spliced over the stored record (record-merge.lua), written only
      when that changes it; an absent member is created from the patch, and its user's member
      list gets guild reference `ref` (4 bytes: resources/guild-refs.ts). `userPatch` (a user
      record, '' for none) is merged into the user the same way; a user past its orphan deadline
      is created anew from it.
]]
--- @include "keys"
--- @include "schemas"
--- @include "record-merge"
--- @include "stored-record"
--- @include "aligned-find"
--- @include "batch-users"

-- A guild's keys and member bucket count, read once per call. A guild without one gets a single
-- bucket (a member replace sizes them; the plan's merges do the same).
local function guild_at(b, guild)
  local g = b.guilds[guild]
  if g then return g end
  local tag = b.prefix .. KEY_GUILD_TAG_OPEN .. guild .. KEY_GUILD_TAG_CLOSE
  g = { tag = tag, meta = tag .. KEY_GUILD_META }
  g.buckets = tonumber(redis.call('HGET', g.meta, 'mb'))
  if not g.buckets then
    g.buckets = 1
    redis.call('HSET', g.meta, 'mb', 1)
  end
  -- The guild has data in its slot now: iterating every child walks it.
  redis.call('SADD', b.prefix .. KEY_GUILD_SLOTS, guild)
  b.guilds[guild] = g
  return g
end

local function merge_user(b, st, f, patch)
  local bucket = st.bucket
  local stored = stored_record(bucket.users, bucket.ut, f)
  -- A user past its orphan deadline is gone for every read, swept or not; but not one this call wrote.
  if stored and not st.wrote[f] and user_due(b.us, st, f) then stored = nil end
  local merged, why = patch, nil
  if stored and stored ~= patch then merged, why = merge_record(stored, patch, SCHEMA_FIELDS.user) end
  if not merged then error({ err = 'SAKEDATA ' .. bucket.users .. ': ' .. why }) end
  if merged == stored then return end
  store_record(bucket.users, bucket.ut, f, merged)
  if stored == nil then st.wrote[f] = true end
end

local function member_merge(b, guild, f, ub, seed, patch, ref, userPatch)
  local g = guild_at(b, guild)
  local key = g.tag .. KEY_MEMBER_BUCKET .. (tonumber(seed) % g.buckets)
  local tails = key .. KEY_MEMBER_TAILS
  local stored = stored_record(key, tails, f)
  local st = user_at(b.us, ub, f)
  if not stored then
    store_record(key, tails, f, patch)
    redis.call('HINCRBY', g.meta, 'mc', 1)
    local list = redis.call('HGET', st.bucket.mg, f) or ''
    if alignedFind(list, ref, GUILD_REF_BYTES) == nil then redis.call('HSET', st.bucket.mg, f, list .. ref) end
    st.pinned[f] = true
  elseif patch ~= stored then
    -- (A patch equal to the stored record changes nothing: a message's author sent with every message.)
    local merged, why = merge_record(stored, patch, SCHEMA_FIELDS.member)
    if not merged then error({ err = 'SAKEDATA ' .. key .. ': ' .. why }) end
    if merged ~= stored then store_record(key, tails, f, merged) end
  end
  if userPatch ~= '' then merge_user(b, st, f, userPatch) end
end
