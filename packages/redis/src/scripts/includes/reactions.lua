--[[
  A message's reactions changed on its record's bytes (the `react` mutation: @sake/abc
  reactions.ts applyReactionChange), without decoding the record: the reactions field is found by
  record-merge.lua's parser, its reactions walked as msgpack items, and only the reaction that
  changes is written anew; every other byte is copied.

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

-- The key of the reaction whose entries are `by` (reactionEmojiKey), nil when it has none.
local function emoji_key(s, by)
  if not by.emoji then return nil end
  local _, e = map_entries(s, by.emoji.v)
  if not e then return nil end
  local id = e.id and msgpack_str(s, e.id.v)
  if id then return id end
  if not e.name or rbyte(s, e.name.v) == 0xc0 then return '' end
  return msgpack_str(s, e.name.v)
end

local function is_bool(s, entry)
  local b = entry and rbyte(s, entry.v)
  return b == 0xc2 or b == 0xc3
end

-- One reaction at p: { from, to (its bytes), key, list, by, details = count_details' { list, by } }; nil when not well-formed.
local function reaction_at(s, p)
  local list, by, to = map_entries(s, p)
  if not list then return nil end
  local key = emoji_key(s, by)
  if not key or not by.count or not uint_item(s, by.count.v) then return nil end
  if not (is_bool(s, by.me) and is_bool(s, by.me_burst) and by.burst_colors and by.count_details) then return nil end
  local dlist, dby = map_entries(s, by.count_details.v)
  if not dlist or not (dby.burst and uint_item(s, dby.burst.v) and dby.normal and uint_item(s, dby.normal.v)) then return nil end
  return { from = p, to = to, key = key, list = list, by = by, details = { list = dlist, by = dby } }
end

-- The reactions in field bytes `v` (nil: absent), in order; nil when not well-formed.
local function reactions_of(v)
  if v == nil or v == '\192' then return {} end
  local n, p = msgpack_items().collection(v, 1, 0x90, 0xdc)
  if not n then return nil end
  local out = {}
  for i = 1, n do
    local r = reaction_at(v, p)
    if not r then return nil end
    out[i] = r
    p = r.to
  end
  if p ~= #v + 1 then return nil end
  return out
end

-- The field bytes of a record's reactions (nil: absent), and whether they are usable (not in the extension map).
local function reactions_field(record)
  local vals, by_name = record_fields(record, SCHEMA_FIELDS.message)
  if not vals or by_name.reactions then return nil, false end
  return vals[REACTIONS_FIELD], true
end

local function reactions_ok(record)
  local v, usable = reactions_field(record)
  return usable and reactions_of(v) ~= nil
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

-- Field bytes `v` (nil: absent) after `change`; nil when not well-formed.
local function reactions_after(v, change)
  local list = reactions_of(v)
  if not list then return nil end
  local parts, found = {}, false
  for _, r in ipairs(list) do
    local bytes = rsub(v, r.from, r.to - 1)
    if change.op == 'A' then
      bytes = nil
    elseif r.key == change.key and (change.op == 'E' or not found) then
      if change.op == 'E' then bytes = nil else bytes = changed(v, r, change) end
      found = true
    end
    if bytes then parts[#parts + 1] = bytes end
  end
  if change.op == 'a' and not found then parts[#parts + 1] = change.fresh end
  return msgpack_items().header(#parts, 0x90, 0xdc) .. table.concat(parts)
end

local function reacted(record, change)
  return edit_field(record, SCHEMA_FIELDS.message, REACTIONS_FIELD, function(v)
    return reactions_after(v, change)
  end)
end
