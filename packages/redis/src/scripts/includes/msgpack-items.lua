--[[
  Reading and writing msgpack items in place, by byte position (1-based), for scripts that edit
  records without decoding them (record-merge.lua, reactions.lua, message-placement.lua).

  skip_item(s, p)          the position just after the msgpack item starting at byte `p` of `s`,
                           any msgpack type, nested containers included; nil when the item is cut
                           short or starts with the never-used byte 0xc1. Walks containers
                           iteratively (a count of items still to skip), so nesting depth costs
                           no Lua stack.
  msgpack_str(s, p)        the text of the msgpack string at `p`, nil when the item there is not a
                           string (or is cut short)
  msgpack_items()          the helpers as a table: uint (the big-endian unsigned integer of n
                           bytes), skip, str, collection (a map or array header's count and where
                           its items start), map_entries (a map's entries in order, { name, k =
                           key start, v = value start, e = end }, by name, and the map's end),
                           header (a map or array header of n items), uint_bytes (an unsigned
                           integer below 2^53 in its smallest form)
]]
-- Built on a script call's first use, not on every call: a script runs its whole text each time it
-- is called, and building these closures and tables made an empty guild-ops call ~2x as long.
local function build_msgpack_items()
  local byte, sub, char, floor = string.byte, string.sub, string.char, math.floor

  -- The unsigned big-endian integer of the `n` bytes at `p` of `s`; nil when `s` ends first.
  local function uint_at(s, p, n)
    if p + n - 1 > #s then return nil end
    local v = 0
    for i = p, p + n - 1 do v = v * 256 + byte(s, i) end
    return v
  end

  -- Items of a fixed size (header included) by first byte: nil, booleans, numbers, fixext 1–16.
  local FIXED_SIZE = {
    [0xc0] = 1, [0xc2] = 1, [0xc3] = 1, [0xca] = 5, [0xcb] = 9,
    [0xcc] = 2, [0xcd] = 3, [0xce] = 5, [0xcf] = 9, [0xd0] = 2, [0xd1] = 3, [0xd2] = 5, [0xd3] = 9,
    [0xd4] = 3, [0xd5] = 4, [0xd6] = 6, [0xd7] = 10, [0xd8] = 18,
  }
  -- Items with a length in front of their bytes: { width of the length, bytes between length and data (ext's type) }.
  local SIZED = {
    [0xc4] = { 1, 0 }, [0xc5] = { 2, 0 }, [0xc6] = { 4, 0 },
    [0xc7] = { 1, 1 }, [0xc8] = { 2, 1 }, [0xc9] = { 4, 1 },
    [0xd9] = { 1, 0 }, [0xda] = { 2, 0 }, [0xdb] = { 4, 0 },
  }
  -- Containers with a counted header: { width of the count, items per entry (2 for maps) }.
  local COUNTED = { [0xdc] = { 2, 1 }, [0xdd] = { 4, 1 }, [0xde] = { 2, 2 }, [0xdf] = { 4, 2 } }

  -- The bytes of the item at `p` not counting what it contains, and how many items it contains; nil when invalid.
  local function item_head(s, p)
    local b = byte(s, p)
    if not b then return nil end
    if b < 0x80 or b >= 0xe0 then return 1, 0 end
    if b < 0x90 then return 1, 2 * (b - 0x80) end
    if b < 0xa0 then return 1, b - 0x90 end
    if b < 0xc0 then return 1 + b - 0xa0, 0 end
    local size = FIXED_SIZE[b]
    if size then return size, 0 end
    local sized = SIZED[b]
    if sized then
      local n = uint_at(s, p + 1, sized[1])
      if not n then return nil end
      return 1 + sized[1] + sized[2] + n, 0
    end
    local counted = COUNTED[b]
    if counted then
      local n = uint_at(s, p + 1, counted[1])
      if not n then return nil end
      return 1 + counted[1], n * counted[2]
    end
    return nil
  end

  -- The common items (fixint, fixstr, fixmap, fixarray, nil, booleans) are read inline: skipping
  -- walks every nested item of a record, and a call per item was most of a reaction add's time.
  -- Positions only grow, so one bounds check at the end covers every item read inline.
  local function skip_item(s, p)
    local pending, last = 1, #s
    while pending > 0 do
      local b = byte(s, p)
      if not b then return nil end
      pending = pending - 1
      if b < 0x80 or b >= 0xe0 then p = p + 1
      elseif b >= 0xa0 and b < 0xc0 then p = p + b - 0x9f
      elseif b < 0x90 then p, pending = p + 1, pending + 2 * (b - 0x80)
      elseif b < 0xa0 then p, pending = p + 1, pending + b - 0x90
      elseif b == 0xc0 or b == 0xc2 or b == 0xc3 then p = p + 1
      else
        local size, inner = item_head(s, p)
        if not size then return nil end
        p, pending = p + size, pending + inner
      end
    end
    if p > last + 1 then return nil end
    return p
  end

  -- The text of the msgpack string at `p`, nil when the item there is not a string (or is cut short).
  local function str_at(s, p)
    local b = byte(s, p)
    if not b then return nil end
    local from, n
    if b >= 0xa0 and b < 0xc0 then from, n = p + 1, b - 0xa0
    elseif b == 0xd9 or b == 0xda or b == 0xdb then
      local w = b == 0xd9 and 1 or b == 0xda and 2 or 4
      from, n = p + 1 + w, uint_at(s, p + 1, w)
      if not n then return nil end
    else return nil end
    if from + n - 1 > #s then return nil end
    return sub(s, from, from + n - 1)
  end

  -- The count of the msgpack map (`fix` 0x80, `wide` 0xde) or array (0x90, 0xdc) header at p, and where its items start; nil for another item.
  local function collection_at(s, p, fix, wide)
    local b = byte(s, p)
    if not b then return nil end
    if b >= fix and b < fix + 16 then return b - fix, p + 1 end
    if b == wide then return uint_at(s, p + 1, 2), p + 3 end
    if b == wide + 1 then return uint_at(s, p + 1, 4), p + 5 end
    return nil
  end

  -- The entries of the map at p in order ({ name = the key's text for string keys, k = key start,
  -- v = value start, e = end }), the string-keyed ones by name, and the map's end; nil when p holds
  -- no whole map.
  local function map_entries(s, p)
    local n, q = collection_at(s, p, 0x80, 0xde)
    if not n then return nil end
    local list, by = {}, {}
    for i = 1, n do
      local v = skip_item(s, q)
      local e = v and skip_item(s, v)
      if not e then return nil end
      local entry = { name = str_at(s, q), k = q, v = v, e = e }
      list[i] = entry
      if entry.name then by[entry.name] = entry end
      q = e
    end
    return list, by, q
  end

  -- Big-endian bytes of a 32-bit unsigned integer.
  local function be32(v)
    return char(floor(v / 16777216) % 256, floor(v / 65536) % 256, floor(v / 256) % 256, v % 256)
  end

  -- A msgpack array (fix 0x90, wide 0xdc) or map (0x80, 0xde) header of `n` items, as msgpack-writer.ts `collectionHeader` writes it.
  local function collection_header(n, fix, wide)
    if n < 16 then return char(fix + n) end
    if n < 65536 then return char(wide, floor(n / 256), n % 256) end
    return char(wide + 1) .. be32(n)
  end

  -- An unsigned integer below 2^53 (a presence mask, a count) as writer.ts writes it: the smallest unsigned form.
  local function mask_bytes(m)
    if m < 128 then return char(m) end
    if m < 256 then return char(0xcc, m) end
    if m < 65536 then return char(0xcd, floor(m / 256), m % 256) end
    if m < 4294967296 then return char(0xce) .. be32(m) end
    local hi = floor(m / 4294967296)
    return char(0xcf) .. be32(hi) .. be32(m - hi * 4294967296)
  end

  return {
    uint = uint_at,
    skip = skip_item,
    str = str_at,
    collection = collection_at,
    map_entries = map_entries,
    header = collection_header,
    uint_bytes = mask_bytes,
  }
end

local built_items
local function msgpack_items()
  if not built_items then built_items = build_msgpack_items() end
  return built_items
end
local function skip_item(s, p)
  return msgpack_items().skip(s, p)
end
local function msgpack_str(s, p)
  return msgpack_items().str(s, p)
end
