--[[
  The user buckets one batch call touches, and their orphan schedule, kept right once at the end
  of the call as user-ops.lua keeps it at the end of its own: a user a member or presence list now
  refers to comes off the schedule; one the call wrote, or whose messages it changed, is scheduled
  anew from what refers to it (orphans.lua); any other keeps the deadline it has. Sweeping due orphans is
  left to the background sweep (RedisCache.sweep).

  new_users(prefix, now, ttl)     the call's user state (`ttl`: default orphan TTL, ms)
  user_at(us, ub, f)              the state of user bucket number `ub` (decimal text), noting user
                                  f (8-byte id) as touched: { bucket = user_bucket(…), pinned,
                                  wrote, messages } (sets by f; `messages`: users whose
                                  messages this call added or evicted); without f, the
                                  state alone (a user only read is not touched)
  user_touch(st, f)               note user f as touched (its schedule is kept right at the end)
  user_due(us, st, f)             whether f is past its orphan deadline
  user_list(st, list, f, ref, plus)
                                  add (plus) or remove guild reference `ref` (4 bytes) in user
                                  f's member list (list = 'mg') or presence list ('pg'); an added
                                  reference pins the user for this call (its deadline, if any, is
                                  taken off at the end), a removed one unpins it; a user found
                                  listed (batch-members.lua) is pinned 'listed': it has none
  users_finish(us)                schedule each touched user (see above)
]]
--- @include "keys"
--- @include "orphans"
--- @include "aligned-find"
local function new_users(prefix, now, ttl)
  return { prefix = prefix, now = now, ttl = ttl, byTag = {}, order = {} }
end

local function user_touch(st, f)
  if not st.touched[f] then
    st.touched[f] = true
    st.order[#st.order + 1] = f
  end
end

local function user_at(us, ub, f)
  local tag = us.prefix .. KEY_USER_TAG_OPEN .. ub .. KEY_USER_TAG_CLOSE
  local st = us.byTag[tag]
  if not st then
    st = { bucket = user_bucket(tag), touched = {}, order = {}, pinned = {}, wrote = {}, messages = {} }
    us.byTag[tag] = st
    us.order[#us.order + 1] = st
  end
  if f then user_touch(st, f) end
  return st
end

local function user_due(us, st, f)
  if st.orphans == nil then st.orphans = redis.call('EXISTS', st.bucket.orph) == 1 end
  if not st.orphans then return false end
  local deadline = redis.call('ZSCORE', st.bucket.orph, f)
  return deadline ~= false and tonumber(deadline) <= us.now
end

local function user_list(st, list, f, ref, plus)
  user_touch(st, f)
  local key = st.bucket[list]
  local refs = redis.call('HGET', key, f) or ''
  local at = alignedFind(refs, ref, GUILD_REF_BYTES)
  if plus then
    if not at then redis.call('HSET', key, f, refs .. ref) end
    st.pinned[f] = true
    return
  end
  st.pinned[f] = nil
  if not at then return end
  refs = string.sub(refs, 1, at - 1) .. string.sub(refs, at + GUILD_REF_BYTES)
  if refs == '' then redis.call('HDEL', key, f) else redis.call('HSET', key, f, refs) end
end

local function users_finish(us)
  for _, st in ipairs(us.order) do
    local b = st.bucket
    -- Whether the bucket has an orphan set: known when user_due asked (only this function writes
    -- the set), else read when first needed.
    local has = st.orphans
    for _, f in ipairs(st.order) do
      local pin = st.pinned[f]
      if pin == 'listed' then
        -- Listed before the call and still: it has no deadline to take off.
      elseif pin then
        if has ~= false then redis.call('ZREM', b.orph, f) end
      else
        if has == nil then has = redis.call('EXISTS', b.orph) == 1 end
        if not st.wrote[f] and not st.messages[f] and has and redis.call('ZSCORE', b.orph, f) then
          -- Neither written nor newly referenced here: the deadline it has (a ttlMs of its own) stays.
        else
          schedule_orphan(b, f, us.ttl, us.now, has)
        end
      end
    end
  end
end
