--[[
  Merging records in Redis: the record of `{ ...current, ...patch }` built from the stored record of
  `current` and a record of `patch` encoded the same way (codec/record.ts `encodeRecord`), without
  decoding a value: values are copied as bytes, found by skipping msgpack items (msgpack-items.lua).

  record_fields(r, names): the fields of record `r` (schema field names `names`): a table by field
  number of each positional value's bytes (a coded record's null or usual value: its code 1 or 2),
  and the extension map's entries by name ({ kv = key and value bytes }); nil when it can't be parsed.

  record_head(r): an array record's item count, presence mask and where its first value starts; nil
  when its head can't be read (or `r` is not an array record).

  edit_field(r, names, i, edit): record `r` with field i's value bytes v (nil: absent) replaced by
  edit(v), everything else as it was, parsing `r` once: `r` itself when edit(v) == v; nil when `r`
  can't be parsed, holds field i in its extension map (an unusual shape), or edit(v) is nil.

  merge_record(stored, patch, names): `stored` and `patch` are whole records (split records joined
  first) of the schema whose field names, in order, are the array `names` (from the `schemas`
  include: SCHEMA_FIELDS[resource]). Returns the merged record: the bytes `encodeRecord` writes for
  `{ ...current, ...patch }`, given the same implied fields, `omit` and role dictionary. A patch
  whose header byte is not the stored one's (another schema) replaces it: `patch` is returned
  unchanged, as is an array-record patch holding every field the stored one holds, neither with an
  extension map (`covers`: the stored values are not read then). Returns nil and a reason when
  either record can't be parsed.

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
--- @include "msgpack-items"
-- The helpers are built on a script call's first merge, not on every call: a script runs its
-- whole text each time it is called, and building these closures and tables made an empty
-- guild-ops or user-ops call ~2× as long.
local function build_record_merge()
  local byte, sub, char, concat, floor = string.byte, string.sub, string.char, table.concat, math.floor

  local mp = msgpack_items()
  local uint_at, skip_item, map_entries = mp.uint, mp.skip, mp.map_entries
  local collection_header, mask_bytes = mp.header, mp.uint_bytes

  --[[
    The extension map at `p`, which must end the record: its entries in order, each
    { id = what identifies the key, name = the key's text (string keys), kv = key and value bytes },
    and the entries by name; nil when it is not one map ending there.
  ]]
  local function parse_ext(s, p)
    local entries, _, q = map_entries(s, p)
    if not entries or q ~= #s + 1 then return nil end
    local list, by_name = {}, {}
    for k, e in ipairs(entries) do
      -- A non-string key (never written by the encoder) is matched by its bytes.
      local entry = { id = e.name and 's' .. e.name or 'r' .. sub(s, e.k, e.v - 1), name = e.name, kv = sub(s, e.k, e.e - 1) }
      list[k] = entry
      if e.name then by_name[e.name] = entry end
    end
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

  -- An array record's item count, presence mask and where its values start; nil when its head can't be read.
  local function array_head(r)
    local b, n, p = byte(r, 2), nil, nil
    if b and b >= 0x90 and b < 0xa0 then n, p = b - 0x90, 3
    elseif b == 0xdc then n, p = uint_at(r, 3, 2), 5
    else return nil end
    local mb = byte(r, p)
    if not n or not mb then return nil end
    if mb < 0x80 then return n, mb, p + 1 end
    if mb < 0xcc or mb > 0xcf then return nil end
    local w = 2 ^ (mb - 0xcc)
    local mask = uint_at(r, p + 1, w)
    if not mask then return nil end
    return n, mask, p + 1 + w
  end

  -- An array record (`[mask, ...values, extension?]`).
  local function parse_array(r, count)
    local n, mask, p = array_head(r)
    if not mask then return nil end
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

  --[[
    Whether array record `patch` holds every field `stored` holds and neither has an extension map
    (each array's items are its values and the mask): their merge is then `patch`, found from the
    two heads without walking a value. A complete update (MESSAGE_UPDATE) is the common case, and
    walking both records was most of its time. The stored values are not read, so a record whose
    values are cut short but whose head is whole is replaced, not refused.
  ]]
  local function covers(patch, stored, count)
    local pn, pmask = array_head(patch)
    local sn, smask = array_head(stored)
    if not pmask or not smask then return false end
    local pcount, scount = 0, 0
    for _ = 1, count do
      local pb, sb = pmask % 2, smask % 2
      if sb > pb then return false end
      pmask, smask = (pmask - pb) / 2, (smask - sb) / 2
      pcount, scount = pcount + pb, scount + sb
    end
    return pmask == 0 and smask == 0 and pn == pcount + 1 and sn == scount + 1
  end

  local function merge_record(stored, patch, names)
    local header = byte(stored, 1)
    if header ~= byte(patch, 1) then return patch end
    local count, coded = #names, SCHEMA_CODED[header]
    if not coded and covers(patch, stored, count) then return patch end
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
  return { merge = merge_record, fields = record_fields, edit = edit_field, head = array_head }
end

-- The helpers, built on first use by any of the functions below.
local built
local function record_merge()
  if not built then built = build_record_merge() end
  return built
end
local function merge_record(stored, patch, names)
  return record_merge().merge(stored, patch, names)
end
local function record_fields(r, names)
  return record_merge().fields(r, names)
end
local function edit_field(r, names, i, edit)
  return record_merge().edit(r, names, i, edit)
end
local function record_head(r)
  return record_merge().head(r)
end
