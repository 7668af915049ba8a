--[[
  The expiring indexes one batch call writes (sorted sets scored by expiry in ms, 'inf' for none:
  messages by all, guild, channel and author), in batch order. Each index is cleaned of its
  expired entries when the call first touches it and given its expiry (that of its longest-lived
  entry) once at the end. A channel index under a limit keeps a sorted copy of its ids for the
  call, so evicting the smallest ids (snowflake order) costs no read per message.

  new_indexes(now)                        the call's index state (`now`: ms)
  idx_add(ix, key, score, id)             add (or re-score) id
  idx_add_limited(ix, key, score, id, limit)
                                          idx_add, then evict the smallest ids beyond `limit`
                                          (> 0); returns the evicted ids (the new one may be one)
  idx_remove(ix, key, id)                 remove id (an emptied index disappears)
  idx_remove_many(ix, key, ids)           remove each of ids (an array), in one command per 4 000
  idx_finish(ix)                          set the expiry (PERSIST or PEXPIREAT) of each index the
                                          call added to (one only removed from keeps its own: at
                                          least as late as what is left needs); one whose last
                                          write added an entry without expiry is persisted unread
]]
local function new_indexes(now)
  return { now = now, touched = {}, order = {} }
end

-- Snowflake order: a shorter decimal id is smaller; ids of one length compare as text.
local function id_less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end

local function idx_touch(ix, key)
  local t = ix.touched[key]
  if not t then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', ix.now)
    t = {}
    ix.touched[key] = t
    ix.order[#ix.order + 1] = key
  end
  return t
end

-- Where id is in the sorted array ids, or where it would go; and whether it is there.
local function find_sorted(ids, id)
  local lo, hi = 1, #ids
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    local v = ids[mid]
    if v == id then return mid, true end
    if id_less(v, id) then lo = mid + 1 else hi = mid - 1 end
  end
  return lo, false
end

-- Drop id from the sorted copy of a limited index's ids, when the call keeps one.
local function forget_sorted(t, id)
  if not t.ids then return end
  local at, found = find_sorted(t.ids, id)
  if found then table.remove(t.ids, at) end
end

local function idx_add(ix, key, score, id)
  local t = idx_touch(ix, key)
  t.added = true
  -- An entry added without expiry makes the index one that never expires (idx_finish) while it
  -- stays; an add with an expiry may re-score it, as a removal may drop it.
  if score == 'inf' then t.inf = true else t.inf = nil end
  redis.call('ZADD', key, score, id)
  if t.ids then
    local at, found = find_sorted(t.ids, id)
    if not found then table.insert(t.ids, at, id) end
  end
end

-- The index's ids in snowflake order. ZRANGE answers them by score, then as text: already in order
-- when every entry has one score (no TTL) and one length, so the sort is skipped after one pass.
local function sorted_ids(key)
  local ids = redis.call('ZRANGE', key, 0, -1)
  for k = 2, #ids do
    if id_less(ids[k], ids[k - 1]) then
      table.sort(ids, id_less)
      break
    end
  end
  return ids
end

local function idx_add_limited(ix, key, score, id, limit)
  idx_add(ix, key, score, id)
  local t = ix.touched[key]
  if not t.ids then
    if redis.call('ZCARD', key) <= limit then return {} end
    t.ids = sorted_ids(key)
  end
  local evicted = {}
  while #t.ids > limit do evicted[#evicted + 1] = table.remove(t.ids, 1) end
  if #evicted > 0 then
    t.inf = nil
    redis.call('ZREM', key, unpack(evicted))
  end
  return evicted
end

local function idx_remove(ix, key, id)
  -- Touched first: expired entries go too, or one could keep an otherwise emptied index alive.
  local t = idx_touch(ix, key)
  t.inf = nil
  redis.call('ZREM', key, id)
  forget_sorted(t, id)
end

local function idx_remove_many(ix, key, ids)
  if #ids == 0 then return end
  local t = idx_touch(ix, key)
  t.inf = nil
  for from = 1, #ids, 4000 do redis.call('ZREM', key, unpack(ids, from, math.min(from + 3999, #ids))) end
  for _, id in ipairs(ids) do forget_sorted(t, id) end
end

local function idx_finish(ix)
  for _, key in ipairs(ix.order) do
    local t = ix.touched[key]
    if t.inf then
      -- An entry this call added without expiry is still there (nothing was removed after it).
      redis.call('PERSIST', key)
    elseif t.added then
      local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
      if top[2] == 'inf' then redis.call('PERSIST', key) elseif top[2] then redis.call('PEXPIREAT', key, top[2]) end
    end
  end
end
