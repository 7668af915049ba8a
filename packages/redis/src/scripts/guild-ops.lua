--[[
  sakeGuildOps: apply, atomically and in order, every op a batch has for one guild (its record,
  channels, roles, emojis, presences, voice states and bucketed members), all keys under the
  guild's hash tag (built from KEYS[1] with the key parts of keys.ts).

  KEYS[1]  the guild's meta hash (keys.ts guildMeta)
  ARGV[1]  the member bucket count to use when the guild has none yet
  ARGV[2…] ops, each an opcode and its arguments:
    G bytes                      set the guild record          g            delete it
    S res field bytes            set a child (res = ch/ro/em/pr/vs: keys.ts GUILD_CHILD_HASH)
    D res field                  delete a child
    Go, go, So, Do               G, g, S, D that also report the value they replace (a caller's
                                 old value: no read of it before the call)
    R res n (field bytes)×n      replace all children of res   C res        clear them
    m field seed                 delete one member
    MMo field seed patch strip users userTails / mo field seed users userTails
                                 MM and m that also report what they replace: `users` and
                                 `userTails` name the member's user hash and its tail hash
                                 (single node only: another slot)
    MM field seed patch strip    merge a member: `patch` (the patch as a member record) spliced over
                                 the stored record (includes/record-merge.lua), written only when
                                 that changes it; an absent member is created from the patch.
                                 `strip`: role dictionary indexes ('i,j,…', or '') dropped from the
                                 stored record first (the batch removed those roles before)
    MS n k members×k             set a run of members (what a member chunk is)
    RM n count k members×k       replace all members (count sizes the buckets)
    CM                           clear all members
  `members` are k arguments packing n entries between them (codec/writer.ts EntryList; split at
  entry boundaries into pieces under 32 KB, Redis' big-argument size, whose query buffer would
  otherwise stay allocated for a while after the call): field (8-byte id), seed (u32 BE), stored
  length L (u32 BE), then L bytes: the record, or for a record longer than 64 bytes
  (codec/split.ts) its marked 64-byte head followed by its tail. The head goes to the bucket, the
  tail to the bucket's tail hash (keys.ts memberTails).

  Returns  one reply per op: {} or, for ops that remove what the caller can't know (R, C, RM, CM),
           the removed fields; for MM {1} when it created the member; for voice states (res = vs) every op returns {field, oldValue, …}
           so the caller can fix the channel index; So and Do {field, oldValue}, Go and go {oldValue}
           ('' when there was none); mo {bucketKey, head, tail, userHead, userTail}: the member's
           bucket, then the member before it and its user ('' without a member; a tail only for a
           head marked split), MMo the same after a first element '1' when it created the member,
           else ''. An unknown op is an error reply.
]]
--- @include "keys"
--- @include "many"
--- @include "schemas"
--- @include "record-merge"
--- @include "stored-record"
--- @include "member-roles"
local meta = KEYS[1]
local tag = string.sub(meta, 1, -#KEY_GUILD_META - 1)
local defaultBuckets = tonumber(ARGV[1])
local results = {}

local function bucketsFor(n)
  local b = 1
  while b * 128 < n and b < 65536 do b = b * 2 end
  return b
end

-- The guild's member bucket count, read once per call (a batch's member merges each need it);
-- only a member replace changes it, and sets `knownBuckets` itself.
local knownBuckets
local function memberBuckets()
  if knownBuckets then return knownBuckets end
  local nb = tonumber(redis.call('HGET', meta, 'mb'))
  if not nb then
    nb = defaultBuckets
    redis.call('HSET', meta, 'mb', nb)
  end
  knownBuckets = nb
  return nb
end

local function memberKey(nb, seed)
  return tag .. KEY_MEMBER_BUCKET .. (tonumber(seed) % nb)
end

local function u32(s, p)
  local a, b, c, d = string.byte(s, p, p + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

-- Unpack the member entries packed in ARGV[first .. first + count - 1]: fields, seeds, heads,
-- tails ('' = stored in one piece).
local function readMembers(first, count)
  local fs, seeds, heads, tails = {}, {}, {}, {}
  local k = 0
  for a = first, first + count - 1 do
    local blob = ARGV[a]
    local size = #blob
    local p = 1
    while p <= size do
      k = k + 1
      fs[k] = string.sub(blob, p, p + 7)
      seeds[k] = u32(blob, p + 8)
      local len = u32(blob, p + 12)
      local s = p + 16
      if len > 64 then
        heads[k] = string.sub(blob, s, s + 63)
        tails[k] = string.sub(blob, s + 64, s + len - 1)
      else
        heads[k] = string.sub(blob, s, s + len - 1)
        tails[k] = ''
      end
      p = s + len
    end
  end
  return fs, seeds, heads, tails
end

-- What an op asked for its old value (MMo, mo) reports: the member's bucket key, then its stored
-- pieces and its user's {head, tail, user head, user tail} (stored_pieces). The user hash is read by
-- the name the caller gives (single node only: it is in another slot), before this batch's user ops run.
local function reportMember(key, tails, f, users, userTails)
  local mh, mt = stored_pieces(key, tails, f)
  if mh == '' then return { key, '', '', '', '' } end
  local uh, ut = stored_pieces(users, userTails, f)
  return { key, mh, mt, uh, ut }
end

local function push(map, k, a, b)
  local list = map[k]
  if not list then
    list = {}
    map[k] = list
  end
  list[#list + 1] = a
  if b then list[#list + 1] = b end
end

local function removeAll(res, keep)
  local key = tag .. KEY_GUILD_CHILD .. res
  local removed = {}
  if res == 'vs' then
    local all = redis.call('HGETALL', key)
    for i = 1, #all, 2 do
      if not keep or not keep[all[i]] then
        removed[#removed + 1] = all[i]
        removed[#removed + 1] = all[i + 1]
      end
    end
  else
    local fields = redis.call('HKEYS', key)
    for i = 1, #fields do
      if not keep or not keep[fields[i]] then removed[#removed + 1] = fields[i] end
    end
  end
  redis.call('UNLINK', key)
  return removed
end

local function removeMembers(keep)
  local nb = tonumber(redis.call('HGET', meta, 'mb'))
  local removed = {}
  if nb then
    for b = 0, nb - 1 do
      local key = tag .. KEY_MEMBER_BUCKET .. b
      local fields = redis.call('HKEYS', key)
      for i = 1, #fields do
        if not keep or not keep[fields[i]] then removed[#removed + 1] = fields[i] end
      end
      redis.call('UNLINK', key, key .. KEY_MEMBER_TAILS)
    end
  end
  return removed
end

local i = 2
while i <= #ARGV do
  local op = ARGV[i]
  local out = {}
  if op == 'S' or op == 'So' then
    local key = tag .. KEY_GUILD_CHILD .. ARGV[i + 1]
    if op == 'So' or ARGV[i + 1] == 'vs' then
      out = { ARGV[i + 2], redis.call('HGET', key, ARGV[i + 2]) or '' }
    end
    redis.call('HSET', key, ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 'D' or op == 'Do' then
    local key = tag .. KEY_GUILD_CHILD .. ARGV[i + 1]
    if op == 'Do' or ARGV[i + 1] == 'vs' then
      out = { ARGV[i + 2], redis.call('HGET', key, ARGV[i + 2]) or '' }
    end
    redis.call('HDEL', key, ARGV[i + 2])
    i = i + 3
  elseif op == 'G' or op == 'Go' then
    if op == 'Go' then out = { redis.call('HGET', meta, 'g') or '' } end
    redis.call('HSET', meta, 'g', ARGV[i + 1])
    i = i + 2
  elseif op == 'g' or op == 'go' then
    if op == 'go' then out = { redis.call('HGET', meta, 'g') or '' } end
    redis.call('HDEL', meta, 'g')
    i = i + 1
  elseif op == 'R' then
    local res = ARGV[i + 1]
    local n = tonumber(ARGV[i + 2])
    local keep = {}
    local pairs = {}
    for k = 0, n - 1 do
      local f = ARGV[i + 3 + 2 * k]
      keep[f] = true
      pairs[#pairs + 1] = f
      pairs[#pairs + 1] = ARGV[i + 4 + 2 * k]
    end
    out = removeAll(res, res ~= 'vs' and keep or nil)
    many('HSET', tag .. KEY_GUILD_CHILD .. res, pairs)
    i = i + 3 + 2 * n
  elseif op == 'C' then
    out = removeAll(ARGV[i + 1], nil)
    i = i + 2
  elseif op == 'MS' then
    local n = tonumber(ARGV[i + 1])
    local pieces = tonumber(ARGV[i + 2])
    local fs, seeds, hs, ts = readMembers(i + 3, pieces)
    local nb = memberBuckets()
    -- The same member twice in one run: only its last value counts.
    local last = {}
    for k = 1, n do last[fs[k]] = k end
    local heads, tails, whole = {}, {}, {}
    for k = 1, n do
      local f = fs[k]
      if last[f] == k then
        local b = seeds[k] % nb
        push(heads, b, f, hs[k])
        if ts[k] ~= '' then push(tails, b, f, ts[k]) else push(whole, b, f) end
      end
    end
    local added = 0
    for b, list in pairs(heads) do
      local new = many('HSET', tag .. KEY_MEMBER_BUCKET .. b, list)
      added = added + new
      -- Stale tails of members now stored whole: one HDEL per bucket, and none when every member
      -- of the bucket was new (a tail never outlives its head: every delete drops both).
      if whole[b] and new * 2 < #list then many('HDEL', tag .. KEY_MEMBER_BUCKET .. b .. KEY_MEMBER_TAILS, whole[b]) end
    end
    for b, list in pairs(tails) do many('HSET', tag .. KEY_MEMBER_BUCKET .. b .. KEY_MEMBER_TAILS, list) end
    if added ~= 0 then redis.call('HINCRBY', meta, 'mc', added) end
    i = i + 3 + pieces
  elseif op == 'MM' or op == 'MMo' then
    local f, patch = ARGV[i + 1], ARGV[i + 3]
    local key = memberKey(memberBuckets(), ARGV[i + 2])
    local tails = key .. KEY_MEMBER_TAILS
    local reported
    if op == 'MMo' then reported = reportMember(key, tails, f, ARGV[i + 5], ARGV[i + 6]) end
    local stored = stored_record(key, tails, f)
    local created = false
    if not stored then
      store_record(key, tails, f, patch)
      redis.call('HINCRBY', meta, 'mc', 1)
      created = true
    elseif patch ~= stored or ARGV[i + 4] ~= '' then
      -- (A patch equal to the stored record changes nothing: most merges, such as a message's
      -- author sent with every message, and the cheapest test.)
      local original = stored
      if ARGV[i + 4] ~= '' then
        local wanted = {}
        for x in string.gmatch(ARGV[i + 4], '%d+') do wanted[tonumber(x)] = true end
        if holdsWanted(stored, wanted) == true then stored = withoutWanted(stored, wanted) end
      end
      local merged, why = merge_record(stored, patch, SCHEMA_FIELDS.member)
      if not merged then error({ err = 'SAKEDATA ' .. key .. ': ' .. why }) end
      if merged ~= original then store_record(key, tails, f, merged) end
    end
    if reported then
      table.insert(reported, 1, created and '1' or '')
      out = reported
    elseif created then
      out = { 1 }
    end
    i = i + (reported and 7 or 5)
  elseif op == 'm' or op == 'mo' then
    local nb = tonumber(redis.call('HGET', meta, 'mb'))
    local key = nb and memberKey(nb, ARGV[i + 2])
    if op == 'mo' then
      out = key and reportMember(key, key .. KEY_MEMBER_TAILS, ARGV[i + 1], ARGV[i + 3], ARGV[i + 4]) or { '', '', '', '', '' }
    end
    if key then
      if redis.call('HDEL', key, ARGV[i + 1]) == 1 then redis.call('HINCRBY', meta, 'mc', -1) end
      redis.call('HDEL', key .. KEY_MEMBER_TAILS, ARGV[i + 1])
    end
    i = i + (op == 'mo' and 5 or 3)
  elseif op == 'RM' then
    local n = tonumber(ARGV[i + 1])
    local count = math.max(n, tonumber(ARGV[i + 2]))
    local pieces = tonumber(ARGV[i + 3])
    local fs, seeds, hs, ts = readMembers(i + 4, pieces)
    local keep = {}
    for k = 1, n do keep[fs[k]] = true end
    out = removeMembers(keep)
    local nb = bucketsFor(count)
    redis.call('HSET', meta, 'mb', nb, 'mc', n)
    knownBuckets = nb
    local byBucket = {}
    local tailsByBucket = {}
    for k = 1, n do
      local b = seeds[k] % nb
      push(byBucket, b, fs[k], hs[k])
      if ts[k] ~= '' then push(tailsByBucket, b, fs[k], ts[k]) end
    end
    for b, list in pairs(byBucket) do many('HSET', tag .. KEY_MEMBER_BUCKET .. b, list) end
    for b, list in pairs(tailsByBucket) do many('HSET', tag .. KEY_MEMBER_BUCKET .. b .. KEY_MEMBER_TAILS, list) end
    i = i + 4 + pieces
  elseif op == 'CM' then
    out = removeMembers(nil)
    redis.call('HSET', meta, 'mc', 0)
    i = i + 1
  else
    return redis.error_reply('sakeGuildOps: unknown op ' .. tostring(op))
  end
  results[#results + 1] = out
end
return results
