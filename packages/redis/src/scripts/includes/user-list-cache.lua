--[[
  The member and presence lists one user bucket's ops edit in a call (user-ops.lua), each read once
  and written once: a bot's own user is in every guild, and one call can carry the ops of hundreds
  of guilds (the listener shares batches), so editing its list in place per op copied and searched
  a list as long as the cache's guilds hundreds of times in one call. A list is guild references
  (GUILD_REF_BYTES wide) back to back.

  new_list_cache()                          an empty cache: list hash → field → entry { base =
                                            stored references less removals, adds = appended
                                            references (back to back), added = set of them once
                                            there are many, set = set of base's references once
                                            searched often, searches, dirty }
  list_cache_edit(c, key, g, fs, plus)      add (plus) or remove reference g in the lists of
                                            users fs of list hash `key`
  list_cache_flush(c, keys)                 write the changed lists of the hashes `keys` (HSET,
                                            HDEL of emptied ones), before anything reads them back
  list_cache_refers(c, keys, f)             whether a list of `keys` refers to user f now, the
                                            cache's edits included
  list_cache_drop(c, key)                   forget hash `key`'s entries (the hash was dropped);
                                            returns the users they were of
]]
--- @include "keys"
--- @include "aligned-find"
--- @include "many"

local function new_list_cache()
  -- order: the entries in the order they were read, as two arrays (no table per entry).
  return { lists = {}, orderKeys = {}, orderFields = {} }
end

-- Appended references past which an entry keeps a set of them (a bot's own user joins every guild
-- of a GUILD_CREATE burst; a member of a chunk gets one).
local ADDS_SET_AFTER = 16

-- HMGET in parts of at most 4 000 fields.
local function list_cache_hmget(key, fields)
  local out = {}
  local i = 1
  while i <= #fields do
    local last = math.min(i + 3999, #fields)
    local part = redis.call('HMGET', key, unpack(fields, i, last))
    for k = 1, #part do out[#out + 1] = part[k] end
    i = last + 1
  end
  return out
end

-- The entries of users fs in hash `key`, read for those not cached yet.
local function list_cache_entries(c, key, fs)
  local cached = c.lists[key]
  if not cached then
    cached = {}
    c.lists[key] = cached
  end
  local need, seen = {}, {}
  for _, f in ipairs(fs) do
    if cached[f] == nil and not seen[f] then
      seen[f] = true
      need[#need + 1] = f
    end
  end
  if #need > 0 then
    local got = list_cache_hmget(key, need)
    for k, f in ipairs(need) do
      cached[f] = { base = got[k] or '', adds = '', searches = 0, dirty = false }
      local n = #c.orderKeys + 1
      c.orderKeys[n], c.orderFields[n] = key, f
    end
  end
  return cached
end

-- Whether entry e holds reference g (w bytes wide). A list searched often in one call (a bot's)
-- gets a set of its references, so the rest of its searches don't scan it.
local function list_cache_holds(e, g, w)
  if #e.adds > 0 then
    if e.added then
      if e.added[g] then return true end
    elseif alignedFind(e.adds, g, w) then
      return true
    end
  end
  if e.set then return e.set[g] == true end
  if #e.base == 0 then return false end
  e.searches = e.searches + 1
  if e.searches > 16 then
    local set, base = {}, e.base
    for p = 1, #base - w + 1, w do set[string.sub(base, p, p + w - 1)] = true end
    e.set = set
    return set[g] == true
  end
  return alignedFind(e.base, g, w) ~= nil
end

-- Drop reference g, which entry e holds.
local function list_cache_remove(e, g, w)
  local at = #e.adds > 0 and alignedFind(e.adds, g, w)
  if at then
    e.adds = string.sub(e.adds, 1, at - 1) .. string.sub(e.adds, at + w)
    if e.added then e.added[g] = nil end
  else
    at = alignedFind(e.base, g, w)
    e.base = string.sub(e.base, 1, at - 1) .. string.sub(e.base, at + w)
    if e.set then e.set[g] = alignedFind(e.base, g, w) ~= nil or nil end
  end
  e.dirty = true
end

local function list_cache_edit(c, key, g, fs, plus)
  local cached = list_cache_entries(c, key, fs)
  local w = GUILD_REF_BYTES
  for _, f in ipairs(fs) do
    local e = cached[f]
    local found = list_cache_holds(e, g, w)
    if plus and not found then
      e.adds = e.adds .. g
      if e.added then
        e.added[g] = true
      elseif #e.adds > ADDS_SET_AFTER * w then
        e.added = {}
        for p = 1, #e.adds - w + 1, w do e.added[string.sub(e.adds, p, p + w - 1)] = true end
      end
      e.dirty = true
    elseif not plus and found then
      list_cache_remove(e, g, w)
    end
  end
end

local function list_cache_flush(c, keys)
  local sets, dels = {}, {}
  for k, key in ipairs(c.orderKeys) do
    local f = c.orderFields[k]
    local e = c.lists[key] and c.lists[key][f]
    if e and e.dirty then
      e.dirty = false
      local v = e.base .. e.adds
      sets[key] = sets[key] or {}
      dels[key] = dels[key] or {}
      if v == '' then table.insert(dels[key], f) else
        table.insert(sets[key], f)
        table.insert(sets[key], v)
      end
    end
  end
  for _, key in ipairs(keys) do
    if sets[key] and #sets[key] > 0 then many('HSET', key, sets[key]) end
    if dels[key] and #dels[key] > 0 then many('HDEL', key, dels[key]) end
  end
end

local function list_cache_refers(c, keys, f)
  for _, key in ipairs(keys) do
    local e = c.lists[key] and c.lists[key][f]
    if e then
      if #e.base > 0 or #e.adds > 0 then return true end
    elseif redis.call('HEXISTS', key, f) == 1 then
      return true
    end
  end
  return false
end

local function list_cache_drop(c, key)
  local users = {}
  for f in pairs(c.lists[key] or {}) do users[#users + 1] = f end
  c.lists[key] = nil
  return users
end
