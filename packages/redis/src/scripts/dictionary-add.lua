--[[
  sakeDictionaryAdd: add ids to an id dictionary (a guild's roles, the store's guilds: see
  codec/dictionary.ts) atomically, so two processes meeting a new id at once agree on its index.
  Only the stored part beyond the caller's copy is read and searched: a call costs what the caller
  has not seen yet, not the dictionary's size (a store's guild dictionary holds every guild).

  KEYS[1]  the dictionary (a string of 8-byte ids)
  ARGV[1]  how many entries the caller already knows (its copy: the dictionary's first entries)
  ARGV[2]  the 8-byte ids to have in it, none of them in the caller's copy (appended in order when
           absent)

  Returns  the dictionary from the caller's known count on, after the additions. A dictionary whose
           length is not a multiple of 8 is not touched: the reply is an error naming the key.
]]
--- @include "aligned-find"
local key, known, want = KEYS[1], tonumber(ARGV[1]), ARGV[2]
local sub = string.sub
local size = redis.call('STRLEN', key)
if size % 8 ~= 0 then return redis.error_reply('ERR sake: dictionary ' .. key .. ' is corrupt (' .. size .. ' bytes)') end
local from = known * 8
-- What the caller has not seen; all of it for a copy longer than the store (emptied since).
local seenUpTo = from <= size and from or 0
local rest = ''
if size > seenUpTo then rest = redis.call('GETRANGE', key, seenUpTo, -1) end
local n = #want / 8
-- A few ids: search the unseen part for each. Many (a first ingest): one set of its ids, so a
-- call stays linear (searching and re-concatenating per id was quadratic).
local stored = nil
if n > 8 and #rest > 64 then
  stored = {}
  for i = 1, #rest - 7, 8 do stored[sub(rest, i, i + 7)] = true end
end
local added, count, seen = {}, 0, {}
for i = 1, #want - 7, 8 do
  local id = sub(want, i, i + 7)
  local found = seen[id]
  if not found and stored then
    found = stored[id]
  elseif not found then
    found = alignedFind(rest, id, 8) ~= nil
  end
  if not found then
    seen[id] = true
    count = count + 1
    added[count] = id
  end
end
local tail = table.concat(added)
if count > 0 then redis.call('APPEND', key, tail) end
-- From the caller's known count on; a copy longer than the store (the store was emptied since)
-- gets only what lies at or beyond its count, so no index is taken for another id.
if from <= size then return rest .. tail end
return sub(tail, from - size + 1)
