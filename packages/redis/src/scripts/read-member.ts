/**
 * `sakeReadMember`: a member and its user in one command and one reply,
 * split values joined on the server (single node only: the keys are in two
 * slots). On this machine every extra command of a point read cost a socket
 * write and a reply read (~20–40 µs each), which is what kept `getMember`
 * at 3× a raw HGET; a cluster uses the two-command path.
 *
 * KEYS = member bucket, its tail hash, user bucket, its tail hash; ARGV[1] =
 * the user's 8-byte id. Returns nil (no member) or
 * {memberHead, memberTail|nil, userHead|nil, userTail|nil}; tails are read
 * only for heads marked split (first byte 0xff, see codec/split.ts).
 */
export const READ_MEMBER_LUA = `
local f = ARGV[1]
local m = redis.call('HGET', KEYS[1], f)
if not m then return false end
local mt = false
if string.byte(m, 1) == 255 then mt = redis.call('HGET', KEYS[2], f) end
local u = redis.call('HGET', KEYS[3], f)
local ut = false
if u and string.byte(u, 1) == 255 then ut = redis.call('HGET', KEYS[4], f) end
return {m, mt, u, ut}
`;

/**
 * `sakeReadUsers`: the users joined to a window of members, in one command
 * with three arguments (single node only; the keys span slots and are built
 * here, which a standalone server allows). ARGV[1] = the key prefix, ARGV[2]
 * = the users' 8-byte ids back to back, ARGV[3] = their user buckets as
 * 4-byte big-endian integers. Returns {head|nil, tail|nil} per user,
 * flattened; a tail is read only for a head marked split. (Thousands of
 * separate key/field arguments cost more to build and send than the reads.)
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
 * `sakeReadMembers`: many point reads of members (with their users) issued
 * in the same tick, in one command (single node only). ARGV[1] = the key
 * prefix, then per member: its bucket key and a 12-byte blob (8-byte user id
 * + 4-byte user bucket). Returns 4 values per member, flattened, as
 * `sakeReadMember` does (a missing member: its head is nil).
 */
export const READ_MEMBERS_LUA = `
local prefix = ARGV[1]
local out = {}
local n = (#ARGV - 1) / 2
for i = 1, n do
  local mkey = ARGV[2 * i]
  local blob = ARGV[2 * i + 1]
  local f = string.sub(blob, 1, 8)
  local m = redis.call('HGET', mkey, f)
  local mt, u, ut = false, false, false
  if m then
    if string.byte(m, 1) == 255 then mt = redis.call('HGET', mkey .. ':t', f) end
    local ukey = prefix .. '{u:' .. struct.unpack('>I4', blob, 9) .. '}:u'
    u = redis.call('HGET', ukey, f)
    if u and string.byte(u, 1) == 255 then ut = redis.call('HGET', ukey .. 't', f) end
  end
  out[4 * i - 3] = m or false
  out[4 * i - 2] = mt
  out[4 * i - 1] = u
  out[4 * i] = ut
end
return out
`;
