--[[
  Reading and editing the roles of a member record in place (sakeStripRoles, sakeRoleHolders).

  A version-2 member record (header 0x52, coded: see codec/schemas.ts) holds its roles in its first
  field as a msgpack array of indexes into the guild's role dictionary, at a known place.

  rolesAt(r, o): where the roles array of the record starting after byte `o` of `r` starts and how
  many indexes it has; nil when the roles are not in place (not a version-2 record, or roles
  absent, null or verbatim in the extension map), false when the record can't be parsed (or, in a
  split head, runs past it).
  holdsWanted(r, wanted, o): true / false whether an index of `wanted` (a set) is held, nil when
  the roles are not in place, 'bad' when the record can't be parsed; `o` (default 0) = 1 reads a
  split head without copying it.
  withoutWanted(r, wanted): the record with those indexes dropped, encoded as codec/writer.ts
  encodes it (smallest msgpack forms), the rest of the record unchanged.
  tailsOf(key): the tails of member bucket `key`'s split records (codec/split.ts), by field.
]]
--- @include "keys"
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
  local t = redis.call('HGETALL', key .. KEY_MEMBER_TAILS)
  local tails = {}
  for j = 1, #t, 2 do tails[t[j]] = t[j + 1] end
  return tails
end
