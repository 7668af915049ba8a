/**
 * `sakeDictionaryAdd`: add ids to an id dictionary (a guild's roles, the
 * store's guilds: see codec/dictionary.ts) atomically, so two processes
 * meeting a new id at once agree on its index. KEYS[1] = the dictionary (a string of 8-byte ids);
 * ARGV[1] = how many entries the caller already knows; ARGV[2] = the 8-byte
 * ids to have in it (appended in order when absent). Returns the dictionary
 * from the caller's known count on, after the additions. A dictionary whose
 * length is not a multiple of 8 is not touched: the call fails naming the key.
 */
export const DICTIONARY_ADD_LUA = `
local key, known, want = KEYS[1], tonumber(ARGV[1]), ARGV[2]
local find, sub = string.find, string.sub
local cur = redis.call('GET', key) or ''
if #cur % 8 ~= 0 then return redis.error_reply('ERR sake: dictionary ' .. key .. ' is corrupt (' .. #cur .. ' bytes)') end
local n = #want / 8
-- A few ids: search the stored bytes for each. Many (a first ingest): one set of the stored ids,
-- so a call stays linear in the dictionary's size (searching and re-concatenating it per id was
-- quadratic: seconds for a batch meeting 20k new ids).
local stored = nil
if n > 8 then
  stored = {}
  for i = 1, #cur - 7, 8 do stored[sub(cur, i, i + 7)] = true end
end
local added, count, seen = {}, 0, {}
for i = 1, #want - 7, 8 do
  local id = sub(want, i, i + 7)
  local found = seen[id]
  if not found and stored then
    found = stored[id]
  elseif not found then
    local at = 1
    while true do
      local p = find(cur, id, at, true)
      if not p then break end
      if (p - 1) % 8 == 0 then found = true break end
      at = p + 1
    end
  end
  if not found then
    seen[id] = true
    count = count + 1
    added[count] = id
  end
end
if count > 0 then
  local tail = table.concat(added)
  redis.call('APPEND', key, tail)
  cur = cur .. tail
end
return sub(cur, known * 8 + 1)
`;
