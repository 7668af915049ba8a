/**
 * Member reads on a single node (the keys span slots, and the user-bucket
 * keys are built in Lua, which a standalone server allows; a cluster uses
 * per-slot commands instead). Every script answers members in one packed
 * string (see {@link PACKED_MEMBER}), split values already joined with their
 * tails: one bulk reply per call, decoded in place (codec/decode-at.ts),
 * instead of four bulk strings per member that each became a Buffer and were
 * then copied again to join head and tail.
 */

/**
 * One member in a packed reply: a 14-byte header `flags u8, fieldLength u8,
 * bucket u32be, memberLength u32be, userLength u32be`, then the field (the
 * user's 8-byte id), the member record and the user record. Flags: 1 = the
 * member head is marked split but its tail is missing (the member bytes are the
 * head), 2 = no user entry, 4 = the user head is marked split but its tail is
 * missing (the user bytes are the head). `bucket` is the member bucket (0 for
 * point reads, whose caller knows it).
 */
export const PACKED_MEMBER = 'flags, fieldLength, bucket, memberLength, userLength';

/** Lua shared by the scripts: `userOf(f)` reads the user of 8-byte id `f` (joined), `pack` packs one member. */
const COMMON_LUA = `
local byte, sub, spack = string.byte, string.sub, struct.pack
local function userOf(ukey, f)
  local u = redis.call('HGET', ukey, f)
  if not u then return '', 2 end
  if byte(u, 1) == 255 then
    local t = redis.call('HGET', ukey .. 't', f)
    if t then return sub(u, 2) .. t, 0 end
    return u, 4
  end
  return u, 0
end
local function pack(flags, f, bucket, m, u)
  return spack('>BBI4I4I4', flags, #f, bucket, #m, #u) .. f .. m .. u
end
`;

/**
 * `sakeReadMember`: a member and its user in one command and one reply.
 * KEYS = member bucket, its tail hash, user bucket (its tail hash is that key
 * + `t`); ARGV[1] = the user's 8-byte id. Returns nil (no member) or one
 * packed member. Tails are read only for heads marked split.
 */
export const READ_MEMBER_LUA = `${COMMON_LUA}
local f = ARGV[1]
local m = redis.call('HGET', KEYS[1], f)
if not m then return false end
local flags = 0
if byte(m, 1) == 255 then
  local t = redis.call('HGET', KEYS[2], f)
  if t then m = sub(m, 2) .. t else flags = 1 end
end
local u, uf = userOf(KEYS[3], f)
return pack(flags + uf, f, 0, m, u)
`;

/**
 * `sakeReadUsers`: the users joined to a window of members, in one command
 * with three arguments. ARGV[1] = the key prefix, ARGV[2] = the users' 8-byte
 * ids back to back, ARGV[3] = their user buckets as 4-byte big-endian
 * integers. Returns {head|nil, tail|nil} per user, flattened; a tail is read
 * only for a head marked split. (Used by clear paths; iteration uses
 * `sakeReadMemberWindow`.)
 */
export const READ_USERS_LUA = `
local prefix = ARGV[1]
local ids = ARGV[2]
local buckets = ARGV[3]
local out = {}
for i = 1, #ids / 8 do
  local f = string.sub(ids, 8 * i - 7, 8 * i)
  local b = struct.unpack('>I4', buckets, 4 * i - 3)
  local key = prefix .. '{u:' .. b .. '}:u'
  local h = redis.call('HGET', key, f)
  local t = false
  if h and string.byte(h, 1) == 255 then t = redis.call('HGET', key .. 't', f) end
  out[2 * i - 1] = h
  out[2 * i] = t
end
return out
`;

/**
 * `sakeReadMembers`: many point reads of members (with their users) issued in
 * the same tick, in one command. ARGV[1] = the key prefix, then per member:
 * its bucket key and a 12-byte blob (8-byte user id + 4-byte user bucket).
 * Returns one string: per member, a 1-byte found flag (0: no such member) and,
 * when found, one packed member.
 */
export const READ_MEMBERS_LUA = `${COMMON_LUA}
local prefix = ARGV[1]
local out = {}
local n = (#ARGV - 1) / 2
for i = 1, n do
  local mkey = ARGV[2 * i]
  local blob = ARGV[2 * i + 1]
  local f = sub(blob, 1, 8)
  local m = redis.call('HGET', mkey, f)
  if m then
    local flags = 0
    if byte(m, 1) == 255 then
      local t = redis.call('HGET', mkey .. ':t', f)
      if t then m = sub(m, 2) .. t else flags = 1 end
    end
    local u, uf = userOf(prefix .. '{u:' .. struct.unpack('>I4', blob, 9) .. '}:u', f)
    out[i] = '\\1' .. pack(flags + uf, f, 0, m, u)
  else
    out[i] = '\\0'
  end
end
return table.concat(out)
`;

/**
 * `sakeReadMemberWindow`: every member of member buckets `ARGV[3]` …
 * `ARGV[4] - 1` of one guild with their users, in one command and one packed
 * reply. ARGV[1] = the key prefix, ARGV[2] = the guild's member bucket key
 * without the bucket number (`P{g:G}:m:`), ARGV[5] = the store's user bucket
 * count. A user's bucket is computed here from its 8-byte id as keys.ts does
 * from the decimal one (last 9 decimal digits mod the count), in steps that
 * stay exact in Lua's doubles.
 */
export const READ_MEMBER_WINDOW_LUA = `${COMMON_LUA}
local prefix, base = ARGV[1], ARGV[2]
local first, last, ub = tonumber(ARGV[3]), tonumber(ARGV[4]) - 1, tonumber(ARGV[5])
local out, n, ukeys = {}, 0, {}
for b = first, last do
  local key = base .. b
  local flat = redis.call('HGETALL', key)
  local split = {}
  for i = 2, #flat, 2 do
    if byte(flat[i], 1) == 255 then split[#split + 1] = flat[i - 1] end
  end
  local tails = {}
  if #split > 0 then
    local t = redis.call('HMGET', key .. ':t', unpack(split))
    for j = 1, #split do tails[split[j]] = t[j] end
  end
  for i = 1, #flat, 2 do
    local f, m = flat[i], flat[i + 1]
    local flags = 0
    if byte(m, 1) == 255 then
      local t = tails[f]
      if t then m = sub(m, 2) .. t else flags = 1 end
    end
    local u, uf = '', 2
    if #f == 8 then
      local b1, b2, b3, b4, b5, b6, b7, b8 = byte(f, 1, 8)
      local x = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
      x = (x % 1000000000) * 65536 % 1000000000 * 65536 % 1000000000
      x = (x + ((b5 * 256 + b6) * 256 + b7) * 256 + b8) % 1000000000
      local ubk = x % ub
      local ukey = ukeys[ubk]
      if not ukey then
        ukey = prefix .. '{u:' .. ubk .. '}:u'
        ukeys[ubk] = ukey
      end
      u, uf = userOf(ukey, f)
    end
    n = n + 1
    out[n] = pack(flags + uf, f, b, m, u)
  end
end
return table.concat(out)
`;
