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
  stripBucket(key, wanted, keep): drop the indexes of `wanted` from every member of bucket `key`
  whose roles are in place, but those whose 8-byte id is in the set `keep`; a record keeps its
  stored form (codec/split.ts), and a split record is joined only when its head can't answer.
  Returns how many members the bucket has.
  holderCandidates(key, wanted, needles, out): append to `out` {field, head, tail} of each member
  of bucket `key` a removal of `wanted` can't edit in place that may hold the role: one whose roles
  are not in place and whose record contains a needle (a string of the array `needles`), one that
  can't be parsed, and a split head whose tail is missing (tail '').
]]
--- @include "keys"
--- @include "many"
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

local function stripBucket(key, wanted, keep)
  local flat = redis.call('HGETALL', key)
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
  if #tailSets > 0 then many('HSET', key .. KEY_MEMBER_TAILS, tailSets) end
  if #tailDels > 0 then many('HDEL', key .. KEY_MEMBER_TAILS, tailDels) end
  return #flat / 2
end

local function holderCandidates(key, wanted, needles, out)
  local flat = redis.call('HGETALL', key)
  local tails = nil
  for i = 1, #flat, 2 do
    local f, v = flat[i], flat[i + 1]
    local split = byte(v, 1) == 255
    -- Roles in place (true / false): stripBucket edits them, and a split head usually answers alone.
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
        for _, needle in ipairs(needles) do
          if string.find(record, needle, 1, true) then
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
