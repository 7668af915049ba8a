--[[
  A message's reactions changed on its record's bytes (the `react` mutation: @sake/abc
  reactions.ts applyReactionChange), without decoding the record: the reactions field is found by
  walking the fields before it (a usual message: an array record holding it, with no extension
  map; any other goes through record-merge.lua's parser and writer), its reactions walked as
  msgpack items, and only the reaction that changes is written anew; every other byte is copied.

  Well-formed reactions, what these functions need (stream/coverage.ts `wellFormedReactions` is
  the same rule for the values a batch writes): the field absent, nil, or an array of maps each
  with an `emoji` map whose `id` is a string (its key), or else whose `name` is a string, nil or
  absent (the key is the name, '' for none); `count`, and `count_details`'s `burst` and `normal`,
  integers from 0 to 2^32 - 1; `me` and `me_burst` booleans; a `burst_colors` entry.

  reactions_ok(record)            whether message record `record` has well-formed reactions
  reacted(record, change)         the record after `change`, the same string when nothing changes;
                                  nil when its reactions are not well-formed. `change`: { op = 'a'
                                  add | 'r' remove | 'A' remove all | 'E' remove the emoji's, key =
                                  the emoji's key, burst, me (booleans), fresh = the msgpack of the
                                  reaction an add creates, colors = the msgpack of the burst colours
                                  an add sets ('' for none) }
]]
--- @include "schemas"
--- @include "msgpack-items"
--- @include "record-merge"

-- Only the two functions above are the include's: its helpers are locals of one block (a script's
-- main function may hold at most 200 locals, and the batch script includes every batch include).
local reactions_ok, reacted
do
  local REACTIONS_FIELD
  for i, name in ipairs(SCHEMA_FIELDS.message) do
    if name == 'reactions' then REACTIONS_FIELD = i end
  end

  local rbyte, rsub = string.byte, string.sub

  -- The unsigned integer item at p (below 2^32), nil for anything else.
  local function uint_item(s, p)
    local b = rbyte(s, p)
    if not b then return nil end
    if b < 0x80 then return b end
    local u = msgpack_items().uint
    if b == 0xcc then return u(s, p + 1, 1) end
    if b == 0xcd then return u(s, p + 1, 2) end
    if b == 0xce then return u(s, p + 1, 4) end
    return nil
  end

  -- The msgpack of an unsigned integer below 2^53, in its smallest form (a count may pass 2^32 - 1).
  local function uint_bytes(v)
    return msgpack_items().uint_bytes(v)
  end

  -- A map's entries (msgpack-items.lua).
  local function map_entries(s, p)
    return msgpack_items().map_entries(s, p)
  end

  -- Whether the item at p is a boolean.
  local function bool_at(s, p)
    local b = rbyte(s, p)
    return b == 0xc2 or b == 0xc3
  end

  -- The entries of the reaction at p, which scan_reaction found well-formed (so every entry below is
  -- there): { from, list, by, details = count_details' { list, by } } (map_entries' list and by).
  local function reaction_entries(s, p)
    local list, by = map_entries(s, p)
    local dlist, dby = map_entries(s, by.count_details.v)
    return { from = p, list = list, by = by, details = { list = dlist, by = dby } }
  end

  -- Whether the item at p is an unsigned integer below 2^32.
  local function is_uint(s, p)
    return uint_item(s, p) ~= nil
  end

  --[[
    The scans below check a reaction without building a table per map entry (as map_entries does):
    every reaction of a message is checked on every change, and the tables were most of the time.
    Each walks a map's entries, the last of a repeated key counting (as map_entries' `by` does).
  ]]
  -- The map entry at q: its key's text (nil for a key that is not a string), where its value starts
  -- and where it ends; nil when cut short. Short string keys and scalar values are read inline.
  local function entry_at(s, q)
    local mp = msgpack_items()
    local b, k, v = rbyte(s, q), nil, nil
    if b and b >= 0xa0 and b < 0xc0 then
      v = q + b - 0x9f
      k = rsub(s, q + 1, v - 1)
    else
      v = mp.skip(s, q)
      if not v then return nil end
      k = mp.str(s, q)
    end
    local c, e = rbyte(s, v), nil
    if not c then return nil end
    if c < 0x80 or c >= 0xe0 or c == 0xc0 or c == 0xc2 or c == 0xc3 then e = v + 1
    elseif c >= 0xa0 and c < 0xc0 then e = v + c - 0x9f
    else e = mp.skip(s, v) end
    if not e or e > #s + 1 then return nil end
    return k, v, e
  end

  -- The key of the emoji map at p (reactionEmojiKey), nil when it has none.
  local function scan_emoji(s, p)
    local mp = msgpack_items()
    local n, q = mp.collection(s, p, 0x80, 0xde)
    if not n then return nil end
    local id, name_at
    for _ = 1, n do
      local k, v, e = entry_at(s, q)
      if not e then return nil end
      if k == 'id' then id = v elseif k == 'name' then name_at = v end
      q = e
    end
    local key = id and mp.str(s, id)
    if key then return key end
    if not name_at or rbyte(s, name_at) == 0xc0 then return '' end
    return mp.str(s, name_at)
  end

  -- Whether the count_details map at p has unsigned `burst` and `normal`.
  local function scan_details(s, p)
    local mp = msgpack_items()
    local n, q = mp.collection(s, p, 0x80, 0xde)
    if not n then return false end
    local burst, normal = false, false
    for _ = 1, n do
      local k, v, e = entry_at(s, q)
      if not e then return false end
      if k == 'burst' then burst = is_uint(s, v) elseif k == 'normal' then normal = is_uint(s, v) end
      q = e
    end
    return burst and normal
  end

  -- The key of the well-formed reaction at p and where it ends; nil when it is not well-formed.
  local function scan_reaction(s, p)
    local mp = msgpack_items()
    local n, q = mp.collection(s, p, 0x80, 0xde)
    if not n then return nil end
    local key, count, me, me_burst, colors, details = nil, false, false, false, false, false
    for _ = 1, n do
      local k, v, e = entry_at(s, q)
      if not e then return nil end
      if k == 'emoji' then key = scan_emoji(s, v)
      elseif k == 'count' then count = is_uint(s, v)
      elseif k == 'me' then me = bool_at(s, v)
      elseif k == 'me_burst' then me_burst = bool_at(s, v)
      elseif k == 'burst_colors' then colors = true
      elseif k == 'count_details' then details = scan_details(s, v) end
      q = e
    end
    if not (key and count and me and me_burst and colors and details) then return nil end
    return key, q
  end

  -- The reactions at p of `s` (an array, or msgpack nil: none): their count and where they start; nil for another item.
  local function reactions_head(s, p)
    if rbyte(s, p) == 0xc0 then return 0, p + 1 end
    return msgpack_items().collection(s, p, 0x90, 0xdc)
  end

  -- Where the well-formed reactions at p of `s` end; nil when they are not well-formed.
  local function reactions_end(s, p)
    local n, q = reactions_head(s, p)
    if not n then return nil end
    for _ = 1, n do
      local _, to = scan_reaction(s, q)
      if not to then return nil end
      q = to
    end
    return q
  end

  -- Whether field bytes `v` (nil: absent) hold well-formed reactions.
  local function reactions_valid(v)
    v = v or '\192'
    return reactions_end(v, 1) == #v + 1
  end

  --[[
    Where the reactions field of message record `r` starts, when `r` is an array record holding it
    positionally and no extension map (a usual message); nil otherwise. Only the fields before it
    are walked: a react splices the field, copying the bytes around it unread (so a record cut short
    after its reactions keeps its cut tail, as it was).
  ]]
  local function reactions_at(r)
    local n, mask, p = record_head(r)
    if not mask or SCHEMA_CODED[rbyte(r, 1)] then return nil end
    local present, at = 0, nil
    for i = 1, #SCHEMA_FIELDS.message do
      local bit = mask % 2
      mask = (mask - bit) / 2
      if bit == 1 then
        present = present + 1
        if i == REACTIONS_FIELD then at = p
        elseif not at then
          p = skip_item(r, p)
          if not p then return nil end
        end
      end
    end
    if mask ~= 0 or n ~= present + 1 then return nil end
    return at
  end

  -- The field bytes of a record's reactions (nil: absent), and whether they are usable (not in the extension map).
  local function reactions_field(record)
    local vals, by_name = record_fields(record, SCHEMA_FIELDS.message)
    if not vals or by_name.reactions then return nil, false end
    return vals[REACTIONS_FIELD], true
  end

  function reactions_ok(record)
    local at = reactions_at(record)
    if at then return reactions_end(record, at) ~= nil end
    local v, usable = reactions_field(record)
    return usable and reactions_valid(v)
  end

  -- The map of `list` entries with new value bytes by name (`set`), others copied; same header.
  local function rewritten(s, from, list, set)
    local parts = { rsub(s, from, list[1] and list[1].k - 1 or from) }
    for _, entry in ipairs(list) do
      parts[#parts + 1] = rsub(s, entry.k, entry.v - 1)
      parts[#parts + 1] = set[entry.name] or rsub(s, entry.v, entry.e - 1)
    end
    return table.concat(parts)
  end

  -- Reaction `r` of field bytes `v` after an add or remove of `change`; nil when a remove leaves no count.
  local function changed(v, r, change)
    local function uint(entry) return uint_item(v, entry.v) end
    local add = change.op == 'a'
    local count = add and uint(r.by.count) + 1 or math.max(0, uint(r.by.count) - 1)
    if count == 0 and not add then return nil end
    local set, details = { count = uint_bytes(count) }, {}
    local which = change.burst and 'burst' or 'normal'
    local n = uint(r.details.by[which])
    details[which] = uint_bytes(add and n + 1 or math.max(0, n - 1))
    set.count_details = rewritten(v, r.by.count_details.v, r.details.list, details)
    local flag = change.burst and 'me_burst' or 'me'
    if add then
      if change.me then set[flag] = '\195' end
      if change.burst and change.colors ~= '' then set.burst_colors = change.colors end
    elseif change.me then
      set[flag] = '\194'
    end
    return rewritten(v, r.from, r.list, set)
  end

  -- The reactions at p of `s` after `change`, and where they end; nil when not well-formed. The
  -- reactions that stay are copied as spans of `s`; only a changed one is parsed into entries
  -- (reaction_entries) and rewritten.
  local function reactions_after_at(s, p, change)
    local n, q = reactions_head(s, p)
    if not n then return nil end
    local op, parts, kept, found, from = change.op, {}, 0, false, q
    for _ = 1, n do
      local key, to = scan_reaction(s, q)
      if not key then return nil end
      if op ~= 'A' and key == change.key and (op == 'E' or not found) then
        parts[#parts + 1] = rsub(s, from, q - 1)
        local bytes = op ~= 'E' and changed(s, reaction_entries(s, q), change)
        if bytes then
          parts[#parts + 1] = bytes
          kept = kept + 1
        end
        found, from = true, to
      elseif op ~= 'A' then
        kept = kept + 1
      end
      q = to
    end
    local header = msgpack_items().header
    if op == 'A' then return header(0, 0x90, 0xdc), q end
    parts[#parts + 1] = rsub(s, from, q - 1)
    if op == 'a' and not found then
      parts[#parts + 1] = change.fresh
      kept = kept + 1
    end
    return header(kept, 0x90, 0xdc) .. table.concat(parts), q
  end

  -- Field bytes `v` (nil: absent) after `change`; nil when not well-formed.
  local function reactions_after(v, change)
    v = v or '\192'
    local bytes, e = reactions_after_at(v, 1, change)
    return e == #v + 1 and bytes or nil
  end

  function reacted(record, change)
    local at = reactions_at(record)
    if at then
      local bytes, e = reactions_after_at(record, at, change)
      if not bytes then return nil end
      if bytes == rsub(record, at, e - 1) then return record end
      return rsub(record, 1, at - 1) .. bytes .. rsub(record, e)
    end
    return edit_field(record, SCHEMA_FIELDS.message, REACTIONS_FIELD, function(v)
      return reactions_after(v, change)
    end)
  end
end
