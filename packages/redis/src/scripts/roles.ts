import { MANY_LUA } from './lua-helpers.js';

/**
 * A `removeRole` in Redis. A version-2 member record (header 0x52, coded: see
 * codec/schemas.ts) holds its roles in its first field as a msgpack array of
 * indexes into the guild's role dictionary, at a known place: `sakeStripRoles`
 * drops a deleted role's index from every such record in place,
 * without the record leaving Redis. Only records it can't edit that way (an
 * older version, roles kept verbatim in the extension map, bytes it can't
 * parse) are found by `sakeRoleHolders` beforehand and rewritten by Node.
 */

/**
 * Lua shared by both scripts. `rolesAt(r, o)`: where the roles array of the record starting after
 * byte `o` of `r` starts and how many indexes it has; nil when the roles are not in place (not a
 * version-2 record, or roles absent, null or verbatim in the extension map), false when the
 * record can't be parsed (or, in a split head, runs past it). `holdsWanted(r, wanted, o)`: true /
 * false whether an index of `wanted` (a set) is held, nil when the roles are not in place, 'bad'
 * when the record can't be parsed; `o` (default 0) = 1 reads a split head without copying it.
 * `withoutWanted(r, wanted)`: the record with those indexes dropped, encoded as codec/writer.ts
 * encodes it (smallest msgpack forms), the rest of the record unchanged. `tailsOf(key)`: the tails
 * of member bucket `key`'s split records (codec/split.ts), by field.
 */
export const MEMBER_ROLES_LUA = `
local byte, sub, char, concat = string.byte, string.sub, string.char, table.concat
local function rolesAt(r, o)
  if byte(r, o + 1) ~= 0x52 then return nil end
  local codes = byte(r, o + 2)
  if not codes then return false end
  -- Field 0's code: the low 2 bits of the first code byte (3: its value follows the 4 code bytes).
  if codes % 4 ~= 3 then return nil end
  local b = byte(r, o + 6)
  if not b then return false end
  if b >= 0x90 and b <= 0x9f then return o + 7, b - 0x90 end
  if b == 0xdc then
    local h, l = byte(r, o + 7, o + 8)
    if not l then return false end
    return o + 9, h * 256 + l
  end
  return false
end
local function indexAt(r, pos)
  local c = byte(r, pos)
  if not c then return nil end
  if c < 0x80 then return c, pos + 1 end
  if c == 0xcc then
    local x = byte(r, pos + 1)
    if x then return x, pos + 2 end
  elseif c == 0xcd then
    local h, l = byte(r, pos + 1, pos + 2)
    if l then return h * 256 + l, pos + 3 end
  end
  return nil
end
local function holdsWanted(r, wanted, o)
  local pos, count = rolesAt(r, o or 0)
  if pos == nil then return nil end
  if pos == false then return 'bad' end
  -- Every index is read, also after a wanted one: a record cut short is 'bad' (Node reports it), never edited.
  local held = false
  for _ = 1, count do
    local x
    x, pos = indexAt(r, pos)
    if not x then return 'bad' end
    if wanted[x] then held = true end
  end
  return held
end
local function withoutWanted(r, wanted)
  local pos, count = rolesAt(r, 0)
  local kept, n = {}, 0
  for _ = 1, count do
    local x
    x, pos = indexAt(r, pos)
    if not wanted[x] then
      n = n + 1
      if x < 0x80 then kept[n] = char(x)
      elseif x < 256 then kept[n] = char(0xcc, x)
      else kept[n] = char(0xcd, (x - x % 256) / 256, x % 256) end
    end
  end
  local head = n < 16 and char(0x90 + n) or char(0xdc, (n - n % 256) / 256, n % 256)
  return sub(r, 1, 5) .. head .. concat(kept) .. sub(r, pos)
end
local function tailsOf(key)
  local t = redis.call('HGETALL', key .. ':t')
  local tails = {}
  for j = 1, #t, 2 do tails[t[j]] = t[j + 1] end
  return tails
end
`;

/**
 * `sakeStripRoles`: drop role dictionary indexes from the members of one guild whose roles are in
 * place, a few buckets per call (a `removeRole` after its batch's guild ops: Redis serves other
 * clients between calls, where one call over a 100k-member guild held it for ~350 ms). KEYS[1] =
 * the guild's meta hash (its `mb` field is the bucket count; every key built here is in its slot);
 * ARGV[1] = the first bucket, ARGV[2] = how many members to go through before stopping at a bucket
 * boundary, ARGV[3] = k, ARGV[4 … 3+k] = the indexes, then the 8-byte ids of members to leave as
 * they are (the batch wrote them, with their roles as the batch has them). Returns the bucket to
 * continue at, or -1 when done. A record keeps its stored form (codec/split.ts): over 64 bytes, a
 * marked 63-byte head in the bucket and the rest in the tail hash; shorter, whole (its stale tail
 * deleted). A split record is joined only when its head can't answer (the roles array usually ends
 * inside it); a head whose tail is missing is left as it is (every read reports it).
 */
export const STRIP_ROLES_LUA = `${MEMBER_ROLES_LUA}${MANY_LUA}
local meta = KEYS[1]
local base = string.sub(meta, 1, -6) .. ':m:'
local from, budget, k = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local wanted, keep = {}, {}
for j = 4, 3 + k do wanted[tonumber(ARGV[j])] = true end
for j = 4 + k, #ARGV do keep[ARGV[j]] = true end
local nb = tonumber(redis.call('HGET', meta, 'mb'))
if not nb then return -1 end

local seen, b = 0, from
while b < nb and seen < budget do
  local key = base .. b
  local flat = redis.call('HGETALL', key)
  seen = seen + #flat / 2
  local tails = nil
  local sets, tailSets, tailDels = {}, {}, {}
  for j = 1, #flat, 2 do
    local f, v = flat[j], flat[j + 1]
    local record, split = v, byte(v, 1) == 255
    local held = nil
    if keep[f] then
      -- Written by the batch, with its roles as the batch has them: left alone.
    elseif split then
      held = holdsWanted(v, wanted, 1)
      if held == true or held == 'bad' then
        tails = tails or tailsOf(key)
        local tail = tails[f]
        record = tail and (sub(v, 2) .. tail) or nil
        held = record and holdsWanted(record, wanted)
      end
    else
      held = holdsWanted(record, wanted)
    end
    if held == true then
      local new = withoutWanted(record, wanted)
      sets[#sets + 1] = f
      if #new <= 64 then
        sets[#sets + 1] = new
        if split then tailDels[#tailDels + 1] = f end
      else
        sets[#sets + 1] = char(255) .. sub(new, 1, 63)
        tailSets[#tailSets + 1] = f
        tailSets[#tailSets + 1] = sub(new, 64)
      end
    end
  end
  if #sets > 0 then many('HSET', key, sets) end
  if #tailSets > 0 then many('HSET', key .. ':t', tailSets) end
  if #tailDels > 0 then many('HDEL', key .. ':t', tailDels) end
  b = b + 1
end
if b >= nb then return -1 end
return b
`;
/**
 * `sakeRoleHolders`: the members of some member buckets of one guild that a `removeRole` must
 * rewrite in Node (the pre-read of the batch), found in Redis so that a guild's other members
 * never leave it. KEYS[1] = the guild's meta hash (its slot is the guild's: every key built here
 * is in it); ARGV[1] = the guild's member bucket key without the number (`P{g:G}:m:`), ARGV[2]
 * and ARGV[3] = the first and last bucket + 1, ARGV[4] = k, ARGV[5 … 4+k] = the roles' indexes
 * in the guild's role dictionary, then the needles (a role's 8-byte id and its decimal string).
 * A record whose roles are in place is never one (`sakeStripRoles` edits it in place), unless it
 * can't be parsed (Node decodes it and reports what is wrong); any other record is one when it
 * contains a needle (a version-1 record's packed ids, or verbatim strings in the extension map:
 * a record that contains neither can't hold the role, whatever its encoding). Returns `{field,
 * head, tail, …}` for each, and for each split head whose tail is missing (tail '': the caller
 * reports it, as every read does).
 */
export const ROLE_HOLDERS_LUA = `${MEMBER_ROLES_LUA}
local find = string.find
local base, first, last = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]) - 1
local k = tonumber(ARGV[4])
local wanted = {}
for i = 5, 4 + k do wanted[tonumber(ARGV[i])] = true end
local needles = 5 + k
local out = {}
for b = first, last do
  local key = base .. b
  local flat = redis.call('HGETALL', key)
  local tails = nil
  for i = 1, #flat, 2 do
    local f, v = flat[i], flat[i + 1]
    local split = byte(v, 1) == 255
    -- Roles in place (true / false): sakeStripRoles edits them, and a split head usually answers alone.
    local held = holdsWanted(v, wanted, split and 1 or 0)
    if held == nil or held == 'bad' then
      local record, tail, candidate = v, '', false
      if split then
        tails = tails or tailsOf(key)
        tail = tails[f]
        if tail then
          record = sub(v, 2) .. tail
          held = holdsWanted(record, wanted)
        else
          tail, record, candidate = '', nil, true
        end
      end
      if held == 'bad' then
        candidate = true
      elseif held == nil and record then
        for n = needles, #ARGV do
          if find(record, ARGV[n], 1, true) then
            candidate = true
            break
          end
        end
      end
      if candidate then
        out[#out + 1] = f
        out[#out + 1] = v
        out[#out + 1] = tail
      end
    end
  end
end
return out
`;
