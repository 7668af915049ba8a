--[[
  Guild records and their channels, roles and emojis in a batch call (batch.lua), in batch order:
  the guild's meta hash (field 'g': the record) and child hashes (keys.ts GUILD_CHILD_HASH: 'ch',
  'ro', 'em'), the set of guilds with a record, and the locators (keys.ts locator: a child's 8-byte
  id → its guild's 8-byte id), which name the guild of a child whose mutation does not.

  guild_set(b, guild, record, buckets)   set the record of `guild` (decimal id); a guild without a
                                         member bucket count gets `buckets` ('' for none: the
                                         record has no member_count)
  guild_delete(b, guild)                 delete it (only the record: children have their own ops)
  guild_merge(b, guild, patch, upsert, buckets)
                                         merge `patch` (a guild record) into it (record-merge.lua);
                                         an absent one is created from the patch only with `upsert`
                                         (as guild_set creates it)
  child_set(b, res, guild, gf, f, record)
      set child f (8-byte id) of hash `res` in `guild` (gf: its 8-byte id); a child the locator
      places in another guild leaves that guild's hash (it moved)
  child_delete(b, res, f)                delete child f from the guild its locator names
  child_merge(b, res, f, patch)          merge `patch` into child f where its locator places it
                                         (nothing when it is not stored)
  child_replace(b, res, guild, gf, entries)
      replace every child of `res` in `guild` by `entries` (each an 8-byte id, a u32 BE length and
      that many bytes of record): the others leave the hash and their locator entries, and each
      entry is set as child_set sets it

  A stored record a merge can't parse is an error naming its key.
]]
--- @include "keys"
--- @include "schemas"
--- @include "record-merge"
--- @include "snowflakes"
--- @include "many"
--- @include "batch-members"

-- The resource of each child hash, for its schema.
local CHILD_RESOURCE = { ch = 'channel', ro = 'role', em = 'emoji' }

local function locator_key(b, res)
  return b.prefix .. KEY_LOCATOR .. res
end

local function guild_set(b, guild, record, buckets)
  local meta = guild_tag(b, guild) .. KEY_GUILD_META
  redis.call('HSET', meta, 'g', record)
  redis.call('SADD', b.prefix .. KEY_GUILDS, guild)
  -- A guild without members yet gets the bucket count its member_count asks for (its members and
  -- chunks follow); the call's copy of the guild's state is read again.
  if buckets ~= '' and redis.call('HSETNX', meta, 'mb', buckets) == 1 then b.guilds[guild] = nil end
end

local function guild_delete(b, guild)
  redis.call('HDEL', guild_tag(b, guild) .. KEY_GUILD_META, 'g')
  redis.call('SREM', b.prefix .. KEY_GUILDS, guild)
end

-- `stored` with `patch` merged in (nil when they are equal), or an error naming `key`.
local function merged_record(key, stored, patch, resource)
  if patch == stored then return nil end
  local merged, why = merge_record(stored, patch, SCHEMA_FIELDS[resource])
  if not merged then error({ err = 'SAKEDATA ' .. key .. ': ' .. why }) end
  if merged ~= stored then return merged end
  return nil
end

local function guild_merge(b, guild, patch, upsert, buckets)
  local meta = guild_tag(b, guild) .. KEY_GUILD_META
  local stored = redis.call('HGET', meta, 'g')
  if not stored then
    if upsert then guild_set(b, guild, patch, buckets) end
    return
  end
  local merged = merged_record(meta, stored, patch, 'guild')
  if merged then redis.call('HSET', meta, 'g', merged) end
end

local function child_set(b, res, guild, gf, f, record)
  note_guild(b, guild)
  local loc = locator_key(b, res)
  local was = redis.call('HGET', loc, f)
  if was ~= gf then
    if was and #was == 8 then redis.call('HDEL', child_key(b, snowflake_text(was), res), f) end
    redis.call('HSET', loc, f, gf)
  end
  redis.call('HSET', child_key(b, guild, res), f, record)
end

local function child_delete(b, res, f)
  local loc = locator_key(b, res)
  local at = redis.call('HGET', loc, f)
  if not at then return end
  if #at == 8 then redis.call('HDEL', child_key(b, snowflake_text(at), res), f) end
  redis.call('HDEL', loc, f)
end

local function child_merge(b, res, f, patch)
  local at = redis.call('HGET', locator_key(b, res), f)
  if not at or #at ~= 8 then return end
  local key = child_key(b, snowflake_text(at), res)
  local stored = redis.call('HGET', key, f)
  if not stored then return end
  local merged = merged_record(key, stored, patch, CHILD_RESOURCE[res])
  if merged then redis.call('HSET', key, f, merged) end
end

-- The (f, record) pairs of a replace's `entries`: an 8-byte id, a u32 BE length, that many bytes.
local function replace_entries(entries)
  local out = {}
  local p = 1
  while p <= #entries do
    local f = string.sub(entries, p, p + 7)
    local w, x, y, z = string.byte(entries, p + 8, p + 11)
    local len = ((w * 256 + x) * 256 + y) * 256 + z
    out[#out + 1] = { f, string.sub(entries, p + 12, p + 11 + len) }
    p = p + 12 + len
  end
  return out
end

local function child_replace(b, res, guild, gf, entries)
  local list = replace_entries(entries)
  local kept = {}
  for _, e in ipairs(list) do kept[e[1]] = true end
  local key = child_key(b, guild, res)
  local loc = locator_key(b, res)
  local gone = {}
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if not kept[f] then
      gone[#gone + 1] = f
      -- A locator naming another guild is of a child that moved there: it stays.
      if redis.call('HGET', loc, f) == gf then redis.call('HDEL', loc, f) end
    end
  end
  if #gone > 0 then many('HDEL', key, gone) end
  for _, e in ipairs(list) do child_set(b, res, guild, gf, e[1], e[2]) end
end
