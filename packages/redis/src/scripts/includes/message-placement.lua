--[[
  message_placement(record): where a stored message record (codec/index.ts messageCodec) is
  indexed: its channel id, guild id and author id as decimal text (guild and author false when the
  message has none). nil when the record can't be parsed or holds one of them in an unusual shape
  (an id that is not 8 bytes, a field in the extension map): the caller then leaves the message to
  Node, which decodes it whole.

  message_placement_leading(record): the same read from the record's leading fields when they are
  all positional (the rest of the record is neither read nor checked: for a record about to be
  deleted), else message_placement's answer.
]]
--- @include "schemas"
--- @include "record-merge"
--- @include "snowflakes"
-- Field numbers by name, built on first use (a script runs its whole text on every call).
local MESSAGE_AT

-- The decimal text of a positional 'id' field's bytes (bin 8 holding 8 bytes), else nil.
local function id_field(v)
  if type(v) ~= 'string' or #v ~= 10 or string.byte(v, 1) ~= 0xc4 or string.byte(v, 2) ~= 8 then return nil end
  return snowflake_text(string.sub(v, 3))
end

-- The `id` string of the msgpack map `v` (a user object), else nil.
local function map_id(v)
  local b = string.byte(v, 1)
  local n, p
  if b and b >= 0x80 and b < 0x90 then n, p = b - 0x80, 2
  elseif b == 0xde then
    local hi, lo = string.byte(v, 2, 3)
    n, p = hi and lo and hi * 256 + lo, 4
  else return nil end
  for _ = 1, n or 0 do
    local key = msgpack_str(v, p)
    local stop = skip_item(v, p)
    if not stop then return nil end
    if key == 'id' then return msgpack_str(v, stop) end
    p = skip_item(v, stop)
    if not p then return nil end
  end
  return nil
end

-- A nullable field: false when absent or null (array layout 0xc0, coded layout code 1); `read`'s answer otherwise.
local function optional(vals, by_name, name, read)
  if by_name[name] then return nil end
  local v = vals[MESSAGE_AT[name]]
  if v == nil or v == 1 or v == '\192' then return false end
  return read(v)
end

-- The presence mask of an array record and where its values start; nil when `r` is not one.
local function array_mask(r)
  local b, p = string.byte(r, 2), nil
  if b and b >= 0x90 and b < 0xa0 then p = 3 elseif b == 0xdc then p = 5 else return nil end
  local mb = string.byte(r, p)
  if not mb then return nil end
  if mb < 0x80 then return mb, p + 1 end
  if mb < 0xcc or mb > 0xcf then return nil end
  local w, mask = 2 ^ (mb - 0xcc), 0
  for i = p + 1, p + w do mask = mask * 256 + (string.byte(r, i) or 0) end
  return mask, p + 1 + w
end

-- The placement from the record's leading fields alone (id, channel_id, guild_id, author:
-- codec/schemas.ts); nil when one of the last three is not positional (it may be in the
-- extension map, at the record's end).
local function leading_placement(record)
  if string.byte(record, 1) ~= SCHEMA_HEADER.message then return nil end
  local mask, p = array_mask(record)
  if not mask then return nil end
  local vals = {}
  for i = 1, 4 do
    local bit = mask % 2
    mask = (mask - bit) / 2
    if bit == 1 then
      local e = skip_item(record, p)
      if not e then return nil end
      vals[i], p = string.sub(record, p, e - 1), e
    elseif i > 1 then
      return nil
    end
  end
  local channel = id_field(vals[2])
  -- (Not `x == null and false or read(x)`: that answers read(x) either way.)
  local guild, author = false, false
  if vals[3] ~= '\192' then guild = id_field(vals[3]) end
  if vals[4] ~= '\192' then author = map_id(vals[4]) end
  if not channel or guild == nil or author == nil or (author and not snowflake_bytes(author)) then return nil end
  return { channel = channel, guild = guild, author = author }
end

local function message_placement(record)
  if string.byte(record, 1) ~= SCHEMA_HEADER.message then return nil end
  if not MESSAGE_AT then
    MESSAGE_AT = {}
    for i, name in ipairs(SCHEMA_FIELDS.message) do MESSAGE_AT[name] = i end
  end
  local vals, by_name = record_fields(record, SCHEMA_FIELDS.message)
  if not vals or by_name.channel_id then return nil end
  local channel = id_field(vals[MESSAGE_AT.channel_id])
  local guild = optional(vals, by_name, 'guild_id', id_field)
  local author = optional(vals, by_name, 'author', map_id)
  if not channel or guild == nil or author == nil then return nil end
  if author and not snowflake_bytes(author) then return nil end
  return { channel = channel, guild = guild, author = author }
end

-- For a record about to be deleted: its leading fields are enough (the rest is not checked).
local function message_placement_leading(record)
  return leading_placement(record) or message_placement(record)
end
