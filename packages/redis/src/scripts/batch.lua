--[[
  sakeBatch (single node: its keys span slots and are built from the prefix with the key parts of
  keys.ts, not declared in KEYS, which a standalone server allows): a run of a batch's mutations
  as one op stream, applied atomically and in order: every later op sees what the earlier ones
  wrote, and the indexes, channel limits, user lists and orphan schedule follow in the same call.

  KEYS     none
  ARGV[1]  now (ms)
  ARGV[2]  default orphan TTL (ms, 0 = orphans never expire)
  ARGV[3]  user bucket count
  ARGV[4]  the key prefix
  ARGV[5]  the op stream (stream/writer.ts): ops back to back, each an op byte then its fields,
           each field a u32 BE length and that many bytes:
    S id channel guild author af ab limit score at record
             set message `id` (decimal ids; guild and author '' for none; af: the author's 8-byte
             id, ab its user bucket number; limit: the channel limit, 0 none; score: expiry ms or
             'inf'; at: PXAT ms or '0') (batch-messages.lua)
    X id guild channel author af ab
             drop message `id` from those indexes ('' to leave one alone): the old entries of a
             moved message whose replaced record this script could not parse
    E id guild channel author af ab
             delete message `id` and its entries in the all-messages index and those indexes: an
             evicted message whose record this script could not parse
    D id     delete message `id` (batch-messages.lua)
    M guild f ub seed patch ref userPatch
             merge (upsert) member f of `guild` and its user (batch-members.lua)
    N guild f ub seed record ref user
             set member f of `guild` and its user
    n guild f ub seed ref
             delete member f of `guild`
    U f ub patch upsert
             merge user f (upsert: '1' or '0')
    P guild f ub record ref / p guild f ub ref
             set / delete user f's presence in `guild` (batch-children.lua)
    V guild user f channel record / v guild user f
             set / delete the voice state of `user` in `guild` (channel '' for none)
  Member, user and presence ops name the user by its 8-byte id f, its user bucket number ub and
  (members) its bucket seed (keys.ts bucketSeed); `ref` is the guild's 4-byte reference in the
  user lists (resources/guild-refs.ts).

  Returns  { replaced, evicted }: `replaced` the ids and previous records of message sets whose
           previous record could not be parsed here (id, bytes, …), `evicted` the ids a channel
           limit evicted whose record could not be parsed, each with that channel (id, channel,
           …; the caller deletes those); an unknown op is an error reply.
]]
--- @include "batch-indexes"
--- @include "batch-users"
--- @include "batch-messages"
--- @include "batch-members"
--- @include "batch-children"
local now = tonumber(ARGV[1])
local b = {
  prefix = ARGV[4],
  buckets = tonumber(ARGV[3]),
  ix = new_indexes(now),
  us = new_users(ARGV[4], now, tonumber(ARGV[2])),
  placed = {},
  guilds = {},
  noted = {},
  unplacedOld = {},
  unplacedEvicted = {},
}
local stream = ARGV[5]
local pos = 1
local byte, sub = string.byte, string.sub

-- The next n fields, in stream order.
local function fields(n)
  local out = {}
  for k = 1, n do
    local w, x, y, z = byte(stream, pos, pos + 3)
    local len = ((w * 256 + x) * 256 + y) * 256 + z
    out[k] = sub(stream, pos + 4, pos + 3 + len)
    pos = pos + 4 + len
  end
  return unpack(out)
end

-- '' → false (no such id); a user's id bytes and bucket go with the author.
local function optional(v)
  return v ~= '' and v
end

while pos <= #stream do
  local op = sub(stream, pos, pos)
  pos = pos + 1
  if op == 'S' then
    local id, channel, guild, author, af, ab, limit, score, at, record = fields(10)
    local place = { channel = channel, guild = optional(guild), author = optional(author), af = af, ab = ab, limit = tonumber(limit) }
    message_set(b, id, place, score, at, record)
  elseif op == 'X' or op == 'E' then
    local id, guild, channel, author, af, ab = fields(6)
    local place = { guild = optional(guild), channel = optional(channel), author = optional(author), af = af, ab = ab }
    if op == 'E' then message_drop(b, id) end
    message_unindex(b, id, place)
  elseif op == 'D' then
    message_delete(b, fields(1))
  elseif op == 'M' then
    member_merge(b, fields(7))
  elseif op == 'N' then
    member_set(b, fields(7))
  elseif op == 'n' then
    member_delete(b, fields(5))
  elseif op == 'U' then
    local f, ub, patch, upsert = fields(4)
    user_merge(b, f, ub, patch, upsert == '1')
  elseif op == 'P' then
    presence_set(b, fields(5))
  elseif op == 'p' then
    presence_delete(b, fields(4))
  elseif op == 'V' then
    voice_set(b, fields(5))
  elseif op == 'v' then
    voice_delete(b, fields(3))
  else
    return redis.error_reply('sakeBatch: unknown op ' .. tostring(op))
  end
end

users_finish(b.us)
idx_finish(b.ix)
local replaced, evicted = {}, {}
for id, bytes in pairs(b.unplacedOld) do
  replaced[#replaced + 1] = id
  replaced[#replaced + 1] = bytes
end
for id, channel in pairs(b.unplacedEvicted) do
  evicted[#evicted + 1] = id
  evicted[#evicted + 1] = channel
end
return { replaced, evicted }
