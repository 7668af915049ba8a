--[[
  Merging records in Redis: the record of `{ ...current, ...patch }` built from the stored record of
  `current` and a record of `patch` encoded the same way (codec/record.ts `encodeRecord`), without
  decoding a value: values are copied as bytes, found by skipping msgpack items.

  skip_item(s, p): the position just after the msgpack item starting at byte `p` of `s` (1-based),
  any msgpack type, nested containers included; nil when the item is cut short or starts with the
  never-used byte 0xc1. Walks containers iteratively (a count of items still to skip), so nesting
  depth costs no Lua stack.

  msgpack_str(s, p): the text of the msgpack string at byte `p` of `s`, nil when the item there is
  not a string (or is cut short).

  record_fields(r, names): the fields of record `r` (schema field names `names`): a table by field
  number of each positional value's bytes (a coded record's null or usual value: its code 1 or 2),
  and the extension map's entries by name ({ kv = key and value bytes }); nil when it can't be parsed.

  edit_field(r, names, i, edit): record `r` with field i's value bytes v (nil: absent) replaced by
  edit(v), everything else as it was, parsing `r` once: `r` itself when edit(v) == v; nil when `r`
  can't be parsed, holds field i in its extension map (an unusual shape), or edit(v) is nil.

  merge_record(stored, patch, names): `stored` and `patch` are whole records (split records joined
  first) of the schema whose field names, in order, are the array `names` (from the `schemas`
  include: SCHEMA_FIELDS[resource]). Returns the merged record: the bytes `encodeRecord` writes for
  `{ ...current, ...patch }`, given the same implied fields, `omit` and role dictionary. A patch
  whose header byte is not the stored one's (another schema) replaces it: `patch` is returned
  unchanged. Returns nil and a reason when either record can't be parsed.

  The merge, field by field: a field the patch holds (code not 0, mask bit set) takes the patch's
  code and value; a field the patch lacks keeps the stored one, unless the patch's extension map
  holds that field's name (its value had an unusual shape), which drops the positional one. The
  extension map is laid out as the writer lays it out, so that the merge is byte-identical to
  encoding the merged value: first the keys the schema does not know, in JavaScript's own-key order
  of the spread (array-index keys ascending, then the stored keys in their order with a patch value
  replacing the stored one in place, then the patch's new keys in their order), then schema fields
  of an unusual shape in schema order (the patch's entry, else the stored one unless the patch sets
  the field positionally). An extension map left empty is not written (the writer writes none).
  So for records the codec wrote, the merge equals the merged value's record byte for byte, and a
  merge that changes nothing answers the stored bytes (compare them to skip a write). One
  exception: an implied field (an id the key holds) a patch sets to the key's value is left out of
  the patch record like an absent one, so a stored value that differs from the key's stays.

  Plain Lua 5.1 arithmetic throughout: the presence mask of an array record can reach 2^53, beyond
  the 32-bit `bit` library, and doubles hold it exactly.
]]
--- @include "schemas"
-- The helpers are built on a script call's first merge, not on every call: a script runs its
-- whole text each time it is called, and building these closures and tables made an empty
-- guild-ops or user-ops call ~2× as long.
local function build_record_merge()
  local byte, sub, char, concat, floor = string.byte, string.sub, string.char, table.concat, math.floor

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

  local function skip_item(s, p)
    local pending, last = 1, #s
    while pending > 0 do
      local size, inner = item_head(s, p)
      if not size or p + size - 1 > last then return nil end
      p = p + size
      pending = pending - 1 + inner
    end
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

  --[[
    The extension map at `p`, which must end the record: its entries in order, each
    { id = what identifies the key, name = the key's text (string keys), kv = key and value bytes },
    and the entries by name; nil when it is not one map ending there.
  ]]
  local function parse_ext(s, p)
    local n, q = collection_at(s, p, 0x80, 0xde)
    if not n then return nil end
    local list, by_name = {}, {}
    for k = 1, n do
      local v = skip_item(s, q)
      local e = v and skip_item(s, v)
      if not e then return nil end
      local name = str_at(s, q)
      -- A non-string key (never written by the encoder) is matched by its bytes.
      local entry = { id = name and 's' .. name or 'r' .. sub(s, q, v - 1), name = name, kv = sub(s, q, e - 1) }
      list[k] = entry
      if name then by_name[name] = entry end
      q = e
    end
    if q ~= #s + 1 then return nil end
    return list, by_name
  end

  -- 4^k: field i's 2-bit code sits at bit 2k of its code byte, k = i mod 4.
  local POW4 = { 1, 4, 16, 64 }

  --[[
    The parsers answer a record's fields and extension map, or nil when it can't be parsed. Fields:
    a table by field number (1-based, as in `names`) of the value's bytes, or of a coded record's
    code 1 (null) or 2 (the usual value); nil when the field is absent. Extension: parse_ext's list
    and by-name table, both NONE without one.
  ]]
  -- The empty extension (shared and never written to: a record without one allocates nothing for it).
  local NONE = {}

  -- A coded record (schemas.ts `Schema.coded`).
  local function parse_coded(r, count)
    local codes = floor((count + 3) / 4)
    if #r < 1 + codes then return nil end
    local vals, p, held = {}, 2 + codes, 0
    for i = 1, count do
      -- The code byte is read once per 4 fields and shifted down 2 bits per field.
      if i % 4 == 1 then held = byte(r, 2 + (i - 1) / 4) end
      local code = held % 4
      held = (held - code) / 4
      if code == 3 then
        local e = skip_item(r, p)
        if not e then return nil end
        vals[i], p = sub(r, p, e - 1), e
      elseif code ~= 0 then vals[i] = code end
    end
    if p > #r then return vals, NONE, NONE end
    local list, by_name = parse_ext(r, p)
    if not list then return nil end
    return vals, list, by_name
  end

  -- An array record (`[mask, ...values, extension?]`).
  local function parse_array(r, count)
    local b, n, p = byte(r, 2), nil, nil
    if b and b >= 0x90 and b < 0xa0 then n, p = b - 0x90, 3
    elseif b == 0xdc then n, p = uint_at(r, 3, 2), 5
    else return nil end
    local mb = byte(r, p)
    if not n or not mb then return nil end
    local mask
    if mb < 0x80 then mask, p = mb, p + 1
    elseif mb >= 0xcc and mb <= 0xcf then
      local w = 2 ^ (mb - 0xcc)
      mask, p = uint_at(r, p + 1, w), p + 1 + w
      if not mask then return nil end
    else return nil end
    local vals, present = {}, 0
    for i = 1, count do
      local bit = mask % 2
      mask = (mask - bit) / 2
      if bit == 1 then
        local e = skip_item(r, p)
        if not e then return nil end
        vals[i], p, present = sub(r, p, e - 1), e, present + 1
      end
    end
    if mask ~= 0 then return nil end
    if n == present + 1 and p == #r + 1 then return vals, NONE, NONE end
    if n ~= present + 2 then return nil end
    local list, by_name = parse_ext(r, p)
    if not list then return nil end
    return vals, list, by_name
  end

  -- The index of an array-index key ("0", "17"…, below 2^32 - 1), which JavaScript lists before every other key; else nil.
  local function array_index(name)
    if not name or #name > 10 or not (name == '0' or name:match('^[1-9]%d*$')) then return nil end
    local v = tonumber(name)
    return v <= 4294967294 and v or nil
  end

  local function by_index(a, b) return a.index < b.index end

  --[[
    The merged extension entries (see the header): keys the schema does not know in the spread's
    key order, then schema fields of an unusual shape in schema order.
  ]]
  local function merge_ext(names, is_field, pvals, slist, sby, plist, pby)
    if #slist == 0 and #plist == 0 then return NONE end
    local unknown, at = {}, {}
    for _, e in ipairs(slist) do
      if not is_field[e.name] then
        unknown[#unknown + 1] = e
        at[e.id] = #unknown
      end
    end
    for _, e in ipairs(plist) do
      if not is_field[e.name] then
        if at[e.id] then unknown[at[e.id]] = e else unknown[#unknown + 1] = e end
      end
    end
    local indexed, out = {}, {}
    for _, e in ipairs(unknown) do
      e.index = array_index(e.name)
      if e.index then indexed[#indexed + 1] = e end
    end
    table.sort(indexed, by_index)
    for _, e in ipairs(indexed) do out[#out + 1] = e.kv end
    for _, e in ipairs(unknown) do if not e.index then out[#out + 1] = e.kv end end
    for i, name in ipairs(names) do
      local e = pby[name] or (pvals[i] == nil and sby[name])
      if e then out[#out + 1] = e.kv end
    end
    return out
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

  -- A presence mask (below 2^53) as writer.ts writes it: the smallest unsigned form.
  local function mask_bytes(m)
    if m < 128 then return char(m) end
    if m < 256 then return char(0xcc, m) end
    if m < 65536 then return char(0xcd, floor(m / 256), m % 256) end
    if m < 4294967296 then return char(0xce) .. be32(m) end
    local hi = floor(m / 4294967296)
    return char(0xcf) .. be32(hi) .. be32(m - hi * 4294967296)
  end

  -- Append the merged extension entries to `parts` as one map (none when there are no entries: the writer writes none).
  local function put_ext(parts, entries)
    if #entries == 0 then return end
    parts[#parts + 1] = collection_header(#entries, 0x80, 0xde)
    for _, kv in ipairs(entries) do parts[#parts + 1] = kv end
  end

  -- A coded record: header, code bytes, the code-3 values, the extension map.
  local function write_coded(header, vals, count, ext)
    local parts, values, held = { char(header) }, {}, 0
    for i = 1, count do
      local v = vals[i]
      local code = v == nil and 0 or type(v) == 'number' and v or 3
      if code == 3 then values[#values + 1] = v end
      held = held + code * POW4[(i - 1) % 4 + 1]
      if i % 4 == 0 or i == count then
        parts[#parts + 1] = char(held)
        held = 0
      end
    end
    for _, v in ipairs(values) do parts[#parts + 1] = v end
    put_ext(parts, ext)
    return concat(parts)
  end

  -- An array record: header, `[mask, ...values, extension?]` (the array header and mask go in once the values are counted).
  local function write_array(header, vals, count, ext)
    local parts, mask, bit = { char(header), '', '' }, 0, 1
    for i = 1, count do
      if vals[i] ~= nil then
        mask = mask + bit
        parts[#parts + 1] = vals[i]
      end
      bit = bit * 2
    end
    parts[2] = collection_header(#parts - 2 + (#ext > 0 and 1 or 0), 0x90, 0xdc)
    parts[3] = mask_bytes(mask)
    put_ext(parts, ext)
    return concat(parts)
  end

  -- The schema field names of `names` as a set (cached per names table: the include's tables live as long as the script).
  local FIELD_SETS = {}
  local function field_set(names)
    local set = FIELD_SETS[names]
    if not set then
      set = {}
      for _, name in ipairs(names) do set[name] = true end
      FIELD_SETS[names] = set
    end
    return set
  end

  local function merge_record(stored, patch, names)
    local header = byte(stored, 1)
    if header ~= byte(patch, 1) then return patch end
    local count, coded = #names, SCHEMA_CODED[header]
    local parse = coded and parse_coded or parse_array
    local svals, slist, sby = parse(stored, count)
    if not svals then return nil, 'stored record can not be parsed' end
    local pvals, plist, pby = parse(patch, count)
    if not pvals then return nil, 'patch record can not be parsed' end
    local vals = {}
    for i, name in ipairs(names) do
      if pvals[i] ~= nil then vals[i] = pvals[i]
      elseif not pby[name] then vals[i] = svals[i] end
    end
    local ext = merge_ext(names, field_set(names), pvals, slist, sby, plist, pby)
    return (coded and write_coded or write_array)(header, vals, count, ext)
  end
  local function record_fields(r, names)
    local parse = SCHEMA_CODED[byte(r, 1)] and parse_coded or parse_array
    local vals, _, by_name = parse(r, #names)
    return vals, by_name
  end
  -- Record `r` with field i's value bytes `v` replaced by edit(v), parsed once; see the header.
  local function edit_field(r, names, i, edit)
    local header = byte(r, 1)
    local count, coded = #names, SCHEMA_CODED[header]
    local vals, list, by_name = (coded and parse_coded or parse_array)(r, count)
    if not vals or by_name[names[i]] then return nil end
    local v = edit(vals[i])
    if v == nil then return nil end
    if v == vals[i] then return r end
    vals[i] = v
    local ext = {}
    for k, e in ipairs(list) do ext[k] = e.kv end
    return (coded and write_coded or write_array)(header, vals, count, ext)
  end
  return {
    skip = skip_item,
    merge = merge_record,
    fields = record_fields,
    str = str_at,
    edit = edit_field,
    header = collection_header,
    collection = collection_at,
    uint = uint_at,
    uint_bytes = mask_bytes,
  }
end

-- The helpers, built on first use by any of the functions below.
local built
local function record_merge()
  if not built then built = build_record_merge() end
  return built
end
local function skip_item(s, p)
  return record_merge().skip(s, p)
end
local function merge_record(stored, patch, names)
  return record_merge().merge(stored, patch, names)
end
local function record_fields(r, names)
  return record_merge().fields(r, names)
end
local function msgpack_str(s, p)
  return record_merge().str(s, p)
end
local function edit_field(r, names, i, edit)
  return record_merge().edit(r, names, i, edit)
end
