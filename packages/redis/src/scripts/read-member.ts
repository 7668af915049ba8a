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
 * One member in a packed reply: a header, the field (the user's 8-byte id),
 * the member bytes and the user bytes. The header is `flags u8` then, when
 * flag 32 is clear, `memberLength u16be, userLength u16be` (6 bytes with the
 * field length byte: `flags, fieldLength, mLen u16, uLen u16`), or when flag
 * 32 is set `fieldLength u32be, memberLength u32be, userLength u32be` (13 bytes).
 * Flags: 1 = the member head is marked split but its tail is missing (the
 * member bytes are the head), 2 = no user entry, 4 = the user head is marked
 * split but its tail is missing (the user bytes are the head), 8 = the member
 * bytes are a split head followed by its tail (the record starts after the
 * marker byte), 16 = the same for the user bytes, 32 = long lengths. Head and
 * tail are emitted side by side so the record is contiguous without Lua
 * building a joined string. A byte 255 where a header would start is a bucket
 * marker instead: `255, bucket u32be`; the members after it are in that member
 * bucket (iteration only: a point read's caller knows its bucket).
 */
export const PACKED_MEMBER = 'see above';

/**
 * Lua shared by the scripts: `userOf(ukey, f)` reads the user of 8-byte id `f`
 * (head, tail, flags), `put` appends one packed member to `out` as pieces
 * (`table.concat` joins them once; `string.char` for the header is much
 * cheaper than `struct.pack` per member).
 */
const COMMON_LUA = `
local byte, sub, char, spack = string.byte, string.sub, string.char, struct.pack
local function userOf(ukey, f)
  local u = redis.call('HGET', ukey, f)
  if not u then return '', '', 2 end
  if byte(u, 1) == 255 then
    local t = redis.call('HGET', ukey .. 't', f)
    if t then return u, t, 16 end
    return u, '', 4
  end
  return u, '', 0
end
local function put(out, n, flags, f, m, mt, u, ut)
  local ml, ul = #m + #mt, #u + #ut
  if ml < 65536 and ul < 65536 and #f < 256 then
    local mlo, ulo = ml % 256, ul % 256
    out[n + 1] = char(flags, #f, (ml - mlo) / 256, mlo, (ul - ulo) / 256, ulo)
  else
    out[n + 1] = spack('>BI4I4I4', flags + 32, #f, ml, ul)
  end
  out[n + 2] = f
  out[n + 3] = m
  out[n + 4] = mt
  out[n + 5] = u
  out[n + 6] = ut
  return n + 6
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
local flags, mt = 0, ''
if byte(m, 1) == 255 then
  mt = redis.call('HGET', KEYS[2], f)
  if mt then flags = 8 else flags, mt = 1, '' end
end
local u, ut, uf = userOf(KEYS[3], f)
local out = {}
put(out, 0, flags + uf, f, m, mt, u, ut)
return table.concat(out)
`;

/**
 * `sakeReadUsers`: the users joined to a window of members, in one command
 * with three arguments. ARGV[1] = the key prefix, ARGV[2] = the users' 8-byte
 * ids back to back, ARGV[3] = their user buckets as 4-byte big-endian
 * integers. Returns {head|nil, tail|nil} per user, flattened; a tail is read
 * only for a head marked split. (Used by the per-command window path, which
 * a `sakeReadMemberWindow` call falls back to after a `WRONGTYPE`.)
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
 * the same tick, in one command. ARGV[1] = the key prefix, ARGV[2] = 12 bytes
 * per member (8-byte user id + 4-byte user bucket, big-endian) back to back,
 * then pairs (member bucket key, number of the next members in it). Returns
 * one string: per member in order, a byte 1 followed by its packed member, or a
 * byte 0 when there is no such member. User bucket keys are built once per
 * bucket.
 */
export const READ_MEMBERS_LUA = `${COMMON_LUA}
local prefix, ids = ARGV[1], ARGV[2]
local out, o, ukeys, i = {}, 0, {}, 0
for g = 3, #ARGV, 2 do
  local mkey = ARGV[g]
  local count = tonumber(ARGV[g + 1])
  local fields = {}
  for j = 1, count do
    local k = i + j
    fields[j] = sub(ids, 12 * k - 11, 12 * k - 4)
  end
  -- One HMGET for the members of this bucket (the loader groups a call's reads by bucket).
  local heads = redis.call('HMGET', mkey, unpack(fields))
  local tkey = false
  for j = 1, count do
    i = i + 1
    local f, m = fields[j], heads[j]
    o = o + 1
    if m then
      local flags, mt = 0, ''
      if byte(m, 1) == 255 then
        tkey = tkey or (mkey .. ':t')
        mt = redis.call('HGET', tkey, f)
        if mt then flags = 8 else flags, mt = 1, '' end
      end
      local b1, b2, b3, b4 = byte(ids, 12 * i - 3, 12 * i)
      local ubk = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
      local ukey = ukeys[ubk]
      if not ukey then
        ukey = prefix .. '{u:' .. ubk .. '}:u'
        ukeys[ubk] = ukey
      end
      local u, ut, uf = userOf(ukey, f)
      out[o] = '\\1'
      o = put(out, o, flags + uf, f, m, mt, u, ut)
    else
      out[o] = '\\0'
    end
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
export const READ_MEMBER_WINDOW_LUA = `
local byte, char, spack, call = string.byte, string.char, struct.pack, redis.call
-- userOf and put (COMMON_LUA) inlined: this loop runs per member of an iteration, and the two
-- calls per member were ~10 % of its Redis time.
local prefix, base = ARGV[1], ARGV[2]
local first, last, ub = tonumber(ARGV[3]), tonumber(ARGV[4]) - 1, tonumber(ARGV[5])
local out, n, ukeys = {}, 0, {}
for b = first, last do
  local key = base .. b
  local flat = call('HGETALL', key)
  if #flat > 0 then
    n = n + 1
    out[n] = spack('>BI4', 255, b)
  end
  local split = nil
  for i = 2, #flat, 2 do
    if byte(flat[i], 1) == 255 then split = split or {}; split[#split + 1] = flat[i - 1] end
  end
  local tails = nil
  if split then
    tails = {}
    local t = call('HMGET', key .. ':t', unpack(split))
    for j = 1, #split do tails[split[j]] = t[j] end
  end
  for i = 1, #flat, 2 do
    local f, m = flat[i], flat[i + 1]
    local flags, mt = 0, ''
    if tails and byte(m, 1) == 255 then
      mt = tails[f]
      if mt then flags = 8 else flags, mt = 1, '' end
    end
    local u, ut = '', ''
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
      u = call('HGET', ukey, f)
      if not u then u, flags = '', flags + 2
      elseif byte(u, 1) == 255 then
        local t = call('HGET', ukey .. 't', f)
        if t then ut, flags = t, flags + 16 else flags = flags + 4 end
      end
    else
      flags = flags + 2
    end
    local ml, ul = #m + #mt, #u + #ut
    if ml < 65536 and ul < 65536 and #f < 256 then
      local mlo, ulo = ml % 256, ul % 256
      out[n + 1] = char(flags, #f, (ml - mlo) / 256, mlo, (ul - ulo) / 256, ulo)
    else
      out[n + 1] = spack('>BI4I4I4', flags + 32, #f, ml, ul)
    end
    out[n + 2] = f
    out[n + 3] = m
    out[n + 4] = mt
    out[n + 5] = u
    out[n + 6] = ut
    n = n + 6
  end
end
return table.concat(out)
`;
