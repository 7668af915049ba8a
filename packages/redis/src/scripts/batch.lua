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
             evicted or deleted message whose record this script could not parse
    D id     delete message `id` (batch-messages.lua)
    C id patch upsert channel guild author af ab limit score at sets mc mg ma maf mab
             merge `patch` into message `id`; with upsert '1', an absent one is created from the
             patch with the fields up to `at` as S has them (when '0', they are ''); `sets` names
             the placement fields the patch sets ('c' channel, 'g' guild, 'a' author: a merge that
             changes one moves the message), with their values after it ('' for none)
    K channel
             delete the messages of `channel` (those its index lists that are still in it), as D
             does (a channel delete's cascade)
    R id op key burst me fresh colors
             change the reactions of message `id` (op 'a' add, 'r' remove, 'A' remove all, 'E'
             remove the emoji's; key: the emoji's key; burst, me: '1' or '0'; fresh: the msgpack
             of the reaction an add creates; colors: that of the burst colours an add sets, ''
             for none) (reactions.lua)
    r id     (checks only) message `id` is reacted to
    M guild f ub seed patch ref userPatch
             merge (upsert) member f of `guild` and its user (batch-members.lua)
    N guild f ub seed record ref userRecord
             set member f of `guild` and its user (written whole)
    n guild f ub seed ref
             delete member f of `guild`
    U f ub patch upsert
             merge user f (upsert: '1' or '0')
    P guild f ub record ref / p guild f ub ref
             set / delete user f's presence in `guild` (batch-children.lua)
    V guild user f channel record / v guild user f
             set / delete the voice state of `user` in `guild` (channel '' for none)
    Y channel
             delete the voice states of `channel` (a channel delete's cascade)
    O guild rfs texts limit
             remove roles `rfs` (8-byte ids back to back; texts: their decimal ids, comma-
             separated) from the members of `guild` (batch-roles.lua; limit: the most members
             the call strips)
    I code guild channel score at record / i code / k channel
             set invite `code` (guild and channel '' for none; score and at as S has them) /
             delete it / delete the invites of `channel` (batch-invites.lua)
    G guild record buckets / g guild / Q guild patch upsert buckets
             set / delete / merge the record of `guild` (batch-guilds.lua; buckets: the member
             bucket count its member_count asks for, '' for none)
    H res guild gf f record / h res f / J res f patch
             set child f (8-byte id) of hash `res` ('ch', 'ro', 'em') in `guild` (gf: its 8-byte
             id) / delete it / merge `patch` into it (where its locator places it)
    W res guild gf entries
             replace the children of `res` in `guild` by `entries` (each an 8-byte id, a u32 BE
             length and that many bytes of record)
  Member, user and presence ops name the user by its 8-byte id f, its user bucket number ub and
  (members) its bucket seed (keys.ts bucketSeed); `ref` is the guild's 4-byte reference in the
  user lists (resources/guild-refs.ts).
  ARGV[6]  'check' to only check the keys and refusals below and write nothing; 'checked' for a
           piece of a batch a check call checked first (its role removals are not refused for
           the guild's member count, which the batch's earlier pieces may have raised); absent
           or '' otherwise
  ARGV[7]  (optional) the ops whose entry's previous value the reply reports: their ordinals in
           this stream (1-based), comma-separated; each an S, C, D or R (its message record), I
           or i (its invite record), P or p (its presence record), V or v (its voice state record),
           M, N or n (its member's bucket key, head and tail and its user's head and tail), G, g
           or Q (its guild record), H, h or J (the guild that holds the child, then its record)

  Before anything is written, every message key a set, merge, delete, react or channel clear
  reads (a K op: every key its channel's index lists) must hold a string or nothing, and every
  invite key an I or i op names or a k op's channel index lists must hold nothing or an invite
  record whose guild and channel can be read, else the call is an error reply naming the key
  (SAKEDATA: InvalidDataFound). Every message a react changes that no earlier set of the call
  wrote must have well-formed reactions (reactions.lua), else the call is the error reply
  'SAKEREACT <key>'; a role removal batch-roles.lua can't run alone is 'SAKEPLAN <guild>: <why>'
  (or SAKEDATA for a member bucket of another type). The caller applies the mutations of a
  SAKEREACT or SAKEPLAN call another way.

  Returns  { replaced, evicted, previous }: `replaced` the ids and previous records of message sets
           and merges whose previous record could not be placed here (id, bytes, …), `evicted` the
           ids of messages a channel limit evicted or a delete named whose record could not be
           placed, each with that channel ('' for a delete) (id, channel, …; the caller deletes
           those), `previous` what ARGV[7]'s ops found just before they ran, in its order ('' for
           none); an unknown op is an error reply.
]]
--- @include "batch-indexes"
--- @include "batch-users"
--- @include "batch-messages"
--- @include "batch-members"
--- @include "batch-children"
--- @include "batch-guilds"
--- @include "batch-invites"
--- @include "batch-roles"
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

-- The u32 BE length at byte `at` of the stream.
local function u32(at)
  local w, x, y, z = byte(stream, at, at + 3)
  return ((w * 256 + x) * 256 + y) * 256 + z
end

-- The next n fields, in stream order.
local function fields(n)
  local out = {}
  for k = 1, n do
    local len = u32(pos)
    out[k] = sub(stream, pos + 4, pos + 3 + len)
    pos = pos + 4 + len
  end
  return unpack(out)
end

-- '' → false (no such id); a user's id bytes and bucket go with the author.
local function optional(v)
  return v ~= '' and v
end

-- Fields per op (the header's list).
local FIELDS = {
  S = 10, C = 17, D = 1, K = 1, R = 7, r = 1, X = 6, E = 6, M = 7, n = 5, U = 4, P = 5, p = 4, V = 5, v = 3,
  N = 7, G = 3, g = 1, Q = 4, H = 5, h = 2, J = 3, W = 4, Y = 1, I = 6, i = 1, k = 1, O = 4,
}
local READS_MESSAGE = { S = true, C = true, D = true, R = true, r = true }

-- Every message key a set, merge or delete reads holds a string or nothing: checked, in a pass
-- that reads only the op codes, lengths and those ids, before anything is written, so a foreign
-- value fails the call naming its key and writes nothing.
-- A message key holds a string or nothing, else the error reply naming it.
local function check_message_key(key)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'string' and t ~= 'none' then return redis.error_reply('SAKEDATA ' .. key .. ': holds a ' .. t .. ', not a message record'), t end
  return nil, t
end

-- The first field of the op at `pos` (its id or channel), without moving on.
local function first_field()
  return sub(stream, pos + 4, pos + 3 + u32(pos))
end

-- The first error reply `check` gives for the keys (prefix, `value`, an id) of the ids the index
-- `index` (after the prefix) lists, or nil.
local function check_listed(index, value, check)
  for _, id in ipairs(redis.call('ZRANGE', b.prefix .. index, 0, -1)) do
    local bad = check(b.prefix .. value .. id)
    if bad then return bad end
  end
  return nil
end

-- A react op's change (reactions.lua `reacted`) from its fields after the id.
local function react_change(op, key, burst, me, fresh, colors)
  return { op = op, key = key, burst = burst == '1', me = me == '1', fresh = fresh, colors = colors }
end

--[[
  A react is checked by making its change: `reacts[k]` is the k-th R op's record before and after
  it, and the main pass writes `after` when it finds `before` stored (so a message's reactions are
  walked once per change, not twice). A message's reacts chain: the next starts from the last's
  `after`. Another op on the message ends the chain; its later reacts are checked on the stored
  record, and the main pass, finding another record there, makes their change again.
]]
local set, reacts, chain, nreact = {}, {}, {}, 0
while pos <= #stream do
  local op = sub(stream, pos, pos)
  local n = FIELDS[op]
  if not n then return redis.error_reply('sakeBatch: unknown op ' .. tostring(op)) end
  pos = pos + 1
  if READS_MESSAGE[op] then
    local id = first_field()
    local key = b.prefix .. KEY_MESSAGE .. id
    local bad, t = check_message_key(key)
    if bad then return bad end
    if op == 'S' then set[id] = true end
    if op == 'R' then nreact = nreact + 1 else chain[id] = nil end
    if t == 'string' and not set[id] then
      if op == 'R' then
        local at = pos
        pos = pos + 4 + u32(pos)
        local change = react_change(fields(6))
        pos = at
        local before = chain[id] or redis.call('GET', key)
        local after = reacted(before, change)
        if not after then return redis.error_reply('SAKEREACT ' .. key) end
        reacts[nreact], chain[id] = { before = before, after = after }, after
      elseif op == 'r' and not reactions_ok(redis.call('GET', key)) then
        return redis.error_reply('SAKEREACT ' .. key)
      end
    end
  end
  local bad
  if op == 'K' then
    bad = check_listed(KEY_MESSAGES_BY_CHANNEL .. first_field(), KEY_MESSAGE, check_message_key)
  elseif op == 'I' or op == 'i' then
    bad = invite_check(b.prefix .. KEY_INVITE .. first_field())
  elseif op == 'k' then
    bad = check_listed(KEY_INVITES_BY_CHANNEL .. first_field(), KEY_INVITE, invite_check)
  elseif op == 'O' then
    local at = pos
    local guild, rfs, texts, limit = fields(4)
    pos = at
    bad = role_strip_check(b, guild, rfs, texts, ARGV[6] ~= 'checked' and limit)
  end
  if bad then return bad end
  for _ = 1, n do pos = pos + 4 + u32(pos) end
end
if ARGV[6] == 'check' then return { {}, {} } end

-- What op `o` changes, as it is before the op runs (ARGV[7]), appended to `out`: a record ('' for
-- none); for a member its bucket key and pieces and its user's (guild-ops.lua reportMember's five);
-- for a channel, role or emoji the guild it is in ('' for none), then its record.
local function put_previous(out, o)
  local op = o[1]
  local record
  if op == 'S' or op == 'C' or op == 'D' or op == 'R' then record = redis.call('GET', b.prefix .. KEY_MESSAGE .. o[2])
  elseif op == 'I' or op == 'i' then record = redis.call('GET', b.prefix .. KEY_INVITE .. o[2])
  elseif op == 'P' or op == 'p' then record = redis.call('HGET', child_key(b, o[2], 'pr'), o[3])
  elseif op == 'V' or op == 'v' then record = redis.call('HGET', child_key(b, o[2], 'vs'), o[4])
  elseif op == 'G' or op == 'g' or op == 'Q' then record = redis.call('HGET', guild_tag(b, o[2]) .. KEY_GUILD_META, 'g')
  elseif op == 'H' or op == 'h' or op == 'J' then
    -- Where the locator places it (a set may move it from another guild): that guild, then the record.
    local f = op == 'H' and o[5] or o[3]
    local at = redis.call('HGET', locator_key(b, o[2]), f)
    local guild = at and #at == 8 and snowflake_text(at) or ''
    out[#out + 1] = guild
    if guild ~= '' then record = redis.call('HGET', child_key(b, guild, o[2]), f) end
  elseif op == 'M' or op == 'N' or op == 'n' then
    local g = guild_at(b, o[2], false)
    local key = g and member_key(g, o[5]) or ''
    local mh, mt = '', ''
    if g then mh, mt = stored_pieces(key, key .. KEY_MEMBER_TAILS, o[3]) end
    local uh, ut = '', ''
    if mh ~= '' then
      local bucket = user_at(b.us, o[4]).bucket
      uh, ut = stored_pieces(bucket.users, bucket.ut, o[3])
    end
    for _, v in ipairs({ key, mh, mt, uh, ut }) do out[#out + 1] = v end
    return
  else error('sakeBatch: no previous value for op ' .. op) end
  out[#out + 1] = record or ''
end

local wanted, previous, ordinal = {}, {}, 0
for k in string.gmatch(ARGV[7] or '', '%d+') do wanted[tonumber(k)] = true end

pos, nreact = 1, 0
while pos <= #stream do
  local op = sub(stream, pos, pos)
  pos = pos + 1
  local o = { op, fields(FIELDS[op]) }
  ordinal = ordinal + 1
  if wanted[ordinal] then put_previous(previous, o) end
  if op == 'S' then
    local place = { channel = o[3], guild = optional(o[4]), author = optional(o[5]), af = o[6], ab = o[7], limit = tonumber(o[8]) }
    message_set(b, o[2], place, o[9], o[10], o[11])
  elseif op == 'C' then
    local create = o[4] == '1' and { channel = o[5], guild = optional(o[6]), author = optional(o[7]), af = o[8], ab = o[9], limit = tonumber(o[10]) } or nil
    local sets = o[13]
    local moves
    if sets ~= '' then
      moves = { channel = string.find(sets, 'c', 1, true) and o[14] or nil }
      if string.find(sets, 'g', 1, true) then moves.guild = optional(o[15]) end
      if string.find(sets, 'a', 1, true) then moves.author, moves.af, moves.ab = optional(o[16]), o[17], o[18] end
    end
    message_merge(b, o[2], o[3], create, moves, o[11], o[12])
  elseif op == 'X' or op == 'E' then
    if op == 'E' then message_drop(b, o[2]) end
    message_unindex(b, o[2], { guild = optional(o[3]), channel = optional(o[4]), author = optional(o[5]), af = o[6], ab = o[7] })
  elseif op == 'D' then
    message_delete(b, o[2])
  elseif op == 'K' then
    message_clear_channel(b, o[2])
  elseif op == 'R' then
    nreact = nreact + 1
    message_react(b, o[2], react_change(unpack(o, 3)), reacts[nreact])
  elseif op == 'M' then
    member_merge(b, unpack(o, 2))
  elseif op == 'N' then
    member_set(b, unpack(o, 2))
  elseif op == 'n' then
    member_delete(b, unpack(o, 2))
  elseif op == 'U' then
    user_merge(b, o[2], o[3], o[4], o[5] == '1')
  elseif op == 'P' then
    presence_set(b, unpack(o, 2))
  elseif op == 'p' then
    presence_delete(b, unpack(o, 2))
  elseif op == 'V' then
    voice_set(b, unpack(o, 2))
  elseif op == 'v' then
    voice_delete(b, unpack(o, 2))
  elseif op == 'Y' then
    voice_clear_channel(b, o[2])
  elseif op == 'O' then
    role_strip(b, o[2], o[3])
  elseif op == 'I' then
    invite_set(b, unpack(o, 2))
  elseif op == 'i' then
    invite_delete(b, o[2])
  elseif op == 'k' then
    invite_clear_channel(b, o[2])
  elseif op == 'G' then
    guild_set(b, o[2], o[3], o[4])
  elseif op == 'g' then
    guild_delete(b, o[2])
  elseif op == 'Q' then
    guild_merge(b, o[2], o[3], o[4] == '1', o[5])
  elseif op == 'H' then
    child_set(b, unpack(o, 2))
  elseif op == 'h' then
    child_delete(b, o[2], o[3])
  elseif op == 'J' then
    child_merge(b, o[2], o[3], o[4])
  elseif op == 'W' then
    child_replace(b, unpack(o, 2))
  end
  -- ('r' names a react in a check call's stream: nothing to apply.)
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
return { replaced, evicted, previous }
