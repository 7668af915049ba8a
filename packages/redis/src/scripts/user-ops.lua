--[[
  sakeUserOps / sakeUserOpsMany: apply every op a batch has for one or more user buckets (user
  records, the member/presence guild lists, the per-author message indexes) and keep the orphan
  schedule right: a user no member, presence or live message refers to gets a deadline in the
  bucket's orphan set and is deleted by a later sweep (every call sweeps a few due orphans of each
  of its buckets). A bucket's other keys are built from its user hash with the key parts of keys.ts.

  KEYS     the user hashes of one or more buckets (keys.ts users): one on a cluster (one slot); on
           a single node, a bounded group of buckets per call, which cuts the per-call cost that
           dominated a large ingest
  ARGV[1]  now (ms)
  ARGV[2]  default orphan TTL (ms, 0 = orphans never expire)
  ARGV[3…] for each key in turn: the number of its arguments, then those arguments, groups each
           `kind [param] n item×n`; users are named by their 8-byte id `f`:
    U ttl n users            set users (ttl '' = default orphan TTL, 'k' = keep the deadline the
                             user has: a merge rewritten in Node; a ttl given while a member or
                             presence list refers to the user is not remembered: the default
                             then); `users` is ONE argument
                             packing n entries (codec/writer.ts EntryList): f, stored length L
                             (u32 BE), L bytes: the record, or for a record longer than 64 bytes
                             (codec/split.ts) its marked 64-byte head followed by its tail, kept in
                             the bucket's user tail hash
    u n f×n                  delete users
    UM n (f patch)×n         merge users: `patch` (the patch as a user record) spliced over the
                             stored record (includes/record-merge.lua), written only when that
                             changes it; an absent user (or one past its orphan
                             deadline, not swept yet) is created from the patch
    M+ g n fs / M- g n fs    add/remove guild reference g (a 4-byte index into the guild
                             dictionary: resources/guild-refs.ts) in users' member lists; `fs`
                             is ONE argument: n packed 8-byte ids
    P+ g n fs / P- g n fs    same for presence lists
    A+ n (f mid score)×n     add message ids to author indexes (score: expiry ms or 'inf')
    A- n (f mid)×n           remove them
    UX 0 / MX 0 / PX 0       drop every user / member list / presence list of the bucket
    SWEEP 0                  nothing (every call sweeps)

  Returns  the number of users the sweeps deleted; an unknown op or a guild reference of another
           width is an error reply.
]]
--- @include "keys"
--- @include "aligned-find"
--- @include "many"
--- @include "schemas"
--- @include "record-merge"
--- @include "stored-record"
--- @include "orphans"
--- @include "user-list-cache"
local now = tonumber(ARGV[1])
local defaultTtl = tonumber(ARGV[2])
-- Per-bucket state, reassigned for each bucket (the helpers below see the current one).
local users, tag, mg, pg, orph, ut
local touched, order, pinned
-- Users this bucket's ops wrote (a set, a merge that created), and users a message index op now names.
local wrote, authored
-- Whether the bucket's orphan set exists (nil: not asked yet in this bucket).
local orphansExist

local bucket

local function authorKey(f)
  return author_key(bucket, f)
end

-- ttl < 0 means "the default". A user write sets the TTL (the last one wins); index ops keep it.
local function touch(f, ttl, isWrite)
  if touched[f] == nil then
    order[#order + 1] = f
    touched[f] = ttl
  elseif isWrite then
    touched[f] = ttl
  end
  if isWrite then wrote[f] = true end
end

-- The member and presence lists this bucket's ops edit (includes/user-list-cache.lua).
local lists

-- Whether user f is on the orphan schedule with a deadline that has passed.
local function orphan_due(f)
  if orphansExist == nil then orphansExist = redis.call('EXISTS', orph) == 1 end
  if not orphansExist then return false end
  local deadline = redis.call('ZSCORE', orph, f)
  return deadline ~= false and tonumber(deadline) <= now
end

-- What keeps user f alive: 'pinned' (a member, a presence or a message without expiry),
-- the last expiry (ms) of its live messages, or 0 when nothing refers to it.
local function references(f)
  if listed(bucket, f) then return 'pinned' end
  return last_authored(bucket, f, now)
end

local function runBucket(usersKey, i, stop)
users = usersKey
tag = string.sub(users, 1, -#KEY_USERS - 1)
bucket = user_bucket(tag)
mg, pg, orph, ut = bucket.mg, bucket.pg, bucket.orph, bucket.ut
touched = {}
order = {}
pinned = {}
wrote, authored = {}, {}
lists = new_list_cache()
orphansExist = nil
while i < stop do
  local op = ARGV[i]
  if op == 'U' then
    local ttl = ARGV[i + 1]
    local n = tonumber(ARGV[i + 2])
    local blob = ARGV[i + 3]
    local list = {}
    local tails = {}
    local whole = {}
    -- 'k': a merge into a stored user, which keeps its expiry (MergeMutation.ttlMs): written, but
    -- touched as an index op is, so an earlier write's TTL or the deadline the user has stays.
    local keep = ttl == 'k'
    local t = (ttl ~= '' and not keep) and tonumber(ttl) or -1
    local fs, heads, rests = {}, {}, {}
    local p = 1
    for k = 1, n do
      fs[k] = string.sub(blob, p, p + 7)
      local a, b, c, d = string.byte(blob, p + 8, p + 11)
      local len = ((a * 256 + b) * 256 + c) * 256 + d
      local s = p + 12
      if len > 64 then
        heads[k] = string.sub(blob, s, s + 63)
        rests[k] = string.sub(blob, s + 64, s + len - 1)
      else
        heads[k] = string.sub(blob, s, s + len - 1)
        rests[k] = false
      end
      p = s + len
    end
    -- The same user twice in one group (written whole, then split, or the reverse): only its
    -- last value counts, or the whole write's HDEL below would drop the split write's tail.
    local last = {}
    for k = 1, n do last[fs[k]] = k end
    for k = 1, n do
      local f = fs[k]
      if last[f] == k then
        list[#list + 1] = f
        list[#list + 1] = heads[k]
        if rests[k] then
          tails[#tails + 1] = f
          tails[#tails + 1] = rests[k]
        else
          whole[#whole + 1] = f
        end
      end
      -- A ttlMs given while a member or presence refers to the user is not remembered (SetMutation.ttlMs).
      touch(f, (t >= 0 and list_cache_refers(lists, { mg, pg }, f)) and -1 or t, not keep)
    end
    local new = many('HSET', users, list)
    if #tails > 0 then many('HSET', ut, tails) end
    -- A user stored split before and whole now leaves no stale tail: one HDEL (an EXISTS first
    -- would cost a call of its own, the tail hash exists in most buckets), and none when every
    -- user was new (a tail never outlives its head: every delete drops both).
    if #whole > 0 and new * 2 < #list then many('HDEL', ut, whole) end
    i = i + 4
  elseif op == 'UM' then
    local n = tonumber(ARGV[i + 1])
    for k = 1, n do
      local f, patch = ARGV[i + 2 * k], ARGV[i + 2 * k + 1]
      local stored = stored_record(users, ut, f)
      -- A user past its orphan deadline is gone for every read, swept or not: the merge creates it
      -- anew; but not one this call wrote (its old deadline stays until the schedule below).
      if stored and not wrote[f] and orphan_due(f) then stored = nil end
      local merged, why = patch, nil
      -- A patch equal to the stored record (the common case) needs no merge.
      if stored and stored ~= patch then merged, why = merge_record(stored, patch, SCHEMA_FIELDS.user) end
      if not merged then error({ err = 'SAKEDATA ' .. users .. ': ' .. why }) end
      if merged ~= stored then
        store_record(users, ut, f, merged)
        -- A merge into a stored user keeps its deadline (a ttlMs); one that creates the user writes it.
        touch(f, -1, stored == nil)
      end
    end
    i = i + 2 + 2 * n
  elseif op == 'u' then
    local n = tonumber(ARGV[i + 1])
    local list = {}
    for k = 1, n do list[k] = ARGV[i + 1 + k] end
    if n > 0 then
      many('HDEL', users, list)
      many('HDEL', ut, list)
      many('ZREM', orph, list)
    end
    i = i + 2 + n
  elseif op == 'M+' or op == 'M-' or op == 'P+' or op == 'P-' then
    local key = string.sub(op, 1, 1) == 'M' and mg or pg
    local g = ARGV[i + 1]
    if #g ~= GUILD_REF_BYTES then return nil, 'sakeUserOps: a guild reference of ' .. #g .. ' bytes' end
    local n = tonumber(ARGV[i + 2])
    local packed = ARGV[i + 3]
    local fs = {}
    for k = 1, n do fs[k] = string.sub(packed, 8 * k - 7, 8 * k) end
    if n > 0 then
      local plus = string.sub(op, 2, 2) == '+'
      list_cache_edit(lists, key, g, fs, plus)
      for _, f in ipairs(fs) do
        touch(f, -1, false)
        pinned[f] = plus or nil
      end
    end
    i = i + 4
  elseif op == 'A+' then
    local n = tonumber(ARGV[i + 1])
    for k = 0, n - 1 do
      local base = i + 2 + 3 * k
      local key = authorKey(ARGV[base])
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
      local score = ARGV[base + 2]
      redis.call('ZADD', key, score, ARGV[base + 1])
      -- The index expires with its longest-lived message (as in index-add.lua); a message without
      -- expiry (the default rules) makes that 'never' without looking.
      if score == 'inf' then redis.call('PERSIST', key) else
        local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
        if top[2] == 'inf' then redis.call('PERSIST', key) else redis.call('PEXPIREAT', key, top[2]) end
      end
      touch(ARGV[base], -1, false)
      authored[ARGV[base]] = true
    end
    i = i + 2 + 3 * n
  elseif op == 'A-' then
    local n = tonumber(ARGV[i + 1])
    for k = 0, n - 1 do
      local base = i + 2 + 2 * k
      redis.call('ZREM', authorKey(ARGV[base]), ARGV[base + 1])
      touch(ARGV[base], -1, false)
    end
    i = i + 2 + 2 * n
  elseif op == 'UX' then
    redis.call('UNLINK', users, orph, ut)
    i = i + 2
  elseif op == 'MX' or op == 'PX' then
    local key = op == 'MX' and mg or pg
    local fields = redis.call('HKEYS', key)
    redis.call('UNLINK', key)
    -- This call's edits not written yet go too; later ones start from empty lists.
    for _, f in ipairs(list_cache_drop(lists, key)) do pinned[f] = nil end
    for _, f in ipairs(fields) do
      touch(f, -1, false)
      pinned[f] = nil
    end
    i = i + 2
  elseif op == 'SWEEP' then
    i = i + 2
  else
    return nil, 'sakeUserOps: unknown op ' .. tostring(op)
  end
end

list_cache_flush(lists, { mg, pg })
-- Users just added to a member/presence list are referenced: only make sure they are not scheduled.
local hasOrphans = redis.call('EXISTS', orph) == 1
for _, f in ipairs(order) do
  if pinned[f] then
    if hasOrphans then redis.call('ZREM', orph, f) end
  elseif not wrote[f] and not authored[f] and hasOrphans and redis.call('ZSCORE', orph, f) then
    -- Neither written nor newly referenced here (a list op on a user it did not pin, a merge):
    -- the deadline it has, perhaps a ttlMs of its own, stays.
  else
    local ttl = touched[f]
    if ttl < 0 then ttl = defaultTtl end
    schedule_orphan(bucket, f, ttl, now, hasOrphans)
  end
end

local swept = 0
-- No orphan set before this call: nothing is due (what schedule() just added expires after now).
if not hasOrphans then return 0 end
local due = redis.call('ZRANGEBYSCORE', orph, '-inf', now, 'LIMIT', 0, 100)
for _, f in ipairs(due) do
  local refs = references(f)
  if refs == 'pinned' then
    redis.call('ZREM', orph, f)
  elseif refs > now and defaultTtl > 0 then
    redis.call('ZADD', orph, refs + defaultTtl, f)
  else
    redis.call('HDEL', users, f)
    redis.call('HDEL', ut, f)
    redis.call('ZREM', orph, f)
    swept = swept + 1
  end
end
return swept
end

local total = 0
local pos = 3
for k = 1, #KEYS do
  local count = tonumber(ARGV[pos])
  local swept, err = runBucket(KEYS[k], pos + 1, pos + 1 + count)
  if err then return redis.error_reply(err) end
  total = total + swept
  pos = pos + 1 + count
end
return total
