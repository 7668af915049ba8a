/**
 * `sakeGuildOps`: apply, atomically and in order, every op a batch has for one
 * guild (its record, channels, roles, emojis, presences, voice states and
 * bucketed members), all keys under the guild's hash tag.
 *
 * KEYS[1] = the guild's meta hash. ARGV[1] = the member bucket count to use
 * when the guild has none yet. Then ops, each an opcode and its arguments:
 *   G bytes                       set the guild record          g            delete it
 *   S res field bytes             set a child (res = ch/ro/em/pr/vs)
 *   D res field                   delete a child
 *   R res n (field bytes)×n       replace all children of res   C res        clear them
 *   m field seed                  delete one member
 *   MS n (field seed head tail)×n set a run of members (what a member chunk is)
 *   RM n count (field seed head tail)×n   replace all members (count sizes the buckets)
 * A member record longer than 64 bytes comes as a marked head and a tail
 * (codec/split.ts): the head goes to the bucket, the tail to the bucket's
 * tail hash (`…:m:N:t`); `tail` is '' for a record stored in one piece.
 *   CM                            clear all members
 * Returns one reply per op: {} or, for ops that remove what the caller can't
 * know (R, C, RM, CM), the removed fields; for voice states (res = vs) every
 * op returns {field, oldValue, …} so the caller can fix the channel index.
 */
export const GUILD_OPS_LUA = `
local meta = KEYS[1]
local tag = string.sub(meta, 1, -6)
local defaultBuckets = tonumber(ARGV[1])
local results = {}

local function bucketsFor(n)
  local b = 1
  while b * 64 < n and b < 65536 do b = b * 2 end
  return b
end

local function memberBuckets()
  local nb = tonumber(redis.call('HGET', meta, 'mb'))
  if not nb then
    nb = defaultBuckets
    redis.call('HSET', meta, 'mb', nb)
  end
  return nb
end

local function memberKey(nb, seed)
  return tag .. ':m:' .. (tonumber(seed) % nb)
end

local function hsetMany(key, pairs)
  local n = #pairs
  local i = 1
  local added = 0
  while i <= n do
    local last = math.min(i + 1999, n)
    added = added + redis.call('HSET', key, unpack(pairs, i, last))
    i = last + 1
  end
  return added
end

local function hdelMany(key, fields)
  local n = #fields
  local i = 1
  while i <= n do
    local last = math.min(i + 3999, n)
    redis.call('HDEL', key, unpack(fields, i, last))
    i = last + 1
  end
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
  local key = tag .. ':' .. res
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
      local key = tag .. ':m:' .. b
      local fields = redis.call('HKEYS', key)
      for i = 1, #fields do
        if not keep or not keep[fields[i]] then removed[#removed + 1] = fields[i] end
      end
      redis.call('UNLINK', key, key .. ':t')
    end
  end
  return removed
end

local i = 2
while i <= #ARGV do
  local op = ARGV[i]
  local out = {}
  if op == 'G' then
    redis.call('HSET', meta, 'g', ARGV[i + 1])
    i = i + 2
  elseif op == 'g' then
    redis.call('HDEL', meta, 'g')
    i = i + 1
  elseif op == 'S' then
    local key = tag .. ':' .. ARGV[i + 1]
    if ARGV[i + 1] == 'vs' then
      out = { ARGV[i + 2], redis.call('HGET', key, ARGV[i + 2]) or '' }
    end
    redis.call('HSET', key, ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 'D' then
    local key = tag .. ':' .. ARGV[i + 1]
    if ARGV[i + 1] == 'vs' then
      out = { ARGV[i + 2], redis.call('HGET', key, ARGV[i + 2]) or '' }
    end
    redis.call('HDEL', key, ARGV[i + 2])
    i = i + 3
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
    hsetMany(tag .. ':' .. res, pairs)
    i = i + 3 + 2 * n
  elseif op == 'C' then
    out = removeAll(ARGV[i + 1], nil)
    i = i + 2
  elseif op == 'MS' then
    local n = tonumber(ARGV[i + 1])
    local nb = memberBuckets()
    -- The same member twice in one run: only its last value counts.
    local last = {}
    for k = 0, n - 1 do last[ARGV[i + 2 + 4 * k]] = k end
    local heads, tails, whole = {}, {}, {}
    for k = 0, n - 1 do
      local base = i + 2 + 4 * k
      local f = ARGV[base]
      if last[f] == k then
        local b = tonumber(ARGV[base + 1]) % nb
        push(heads, b, f, ARGV[base + 2])
        if ARGV[base + 3] ~= '' then push(tails, b, f, ARGV[base + 3]) else push(whole, b, f) end
      end
    end
    local added = 0
    for b, list in pairs(heads) do added = added + hsetMany(tag .. ':m:' .. b, list) end
    for b, list in pairs(tails) do hsetMany(tag .. ':m:' .. b .. ':t', list) end
    for b, list in pairs(whole) do
      local tk = tag .. ':m:' .. b .. ':t'
      if redis.call('EXISTS', tk) == 1 then hdelMany(tk, list) end
    end
    if added ~= 0 then redis.call('HINCRBY', meta, 'mc', added) end
    i = i + 2 + 4 * n
  elseif op == 'm' then
    local nb = tonumber(redis.call('HGET', meta, 'mb'))
    if nb then
      local key = memberKey(nb, ARGV[i + 2])
      if redis.call('HDEL', key, ARGV[i + 1]) == 1 then redis.call('HINCRBY', meta, 'mc', -1) end
      redis.call('HDEL', key .. ':t', ARGV[i + 1])
    end
    i = i + 3
  elseif op == 'RM' then
    local n = tonumber(ARGV[i + 1])
    local count = math.max(n, tonumber(ARGV[i + 2]))
    local keep = {}
    for k = 0, n - 1 do keep[ARGV[i + 3 + 4 * k]] = true end
    out = removeMembers(keep)
    local nb = bucketsFor(count)
    redis.call('HSET', meta, 'mb', nb, 'mc', n)
    local byBucket = {}
    local tailsByBucket = {}
    for k = 0, n - 1 do
      local base = i + 3 + 4 * k
      local b = tonumber(ARGV[base + 1]) % nb
      local list = byBucket[b]
      if not list then
        list = {}
        byBucket[b] = list
      end
      list[#list + 1] = ARGV[base]
      list[#list + 1] = ARGV[base + 2]
      if ARGV[base + 3] ~= '' then
        local tails = tailsByBucket[b]
        if not tails then
          tails = {}
          tailsByBucket[b] = tails
        end
        tails[#tails + 1] = ARGV[base]
        tails[#tails + 1] = ARGV[base + 3]
      end
    end
    for b, list in pairs(byBucket) do hsetMany(tag .. ':m:' .. b, list) end
    for b, list in pairs(tailsByBucket) do hsetMany(tag .. ':m:' .. b .. ':t', list) end
    i = i + 3 + 4 * n
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
`;
