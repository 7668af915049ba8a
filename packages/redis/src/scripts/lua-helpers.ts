/**
 * Lua shared by several scripts, prepended to their text.
 */

/**
 * `alignedFind(s, needle, w)`: where `needle` (one entry) starts in `s`, a packed list of
 * fixed-width entries (an id dictionary, a user's guild list), at an entry boundary, or nil. One
 * plain `string.find` (C speed) per hit, never a substring per entry: a list as long as the
 * cache's guilds is searched on every guild a bot joins.
 */
export const ALIGNED_FIND_LUA = `
local function alignedFind(s, needle, w)
  local from = 1
  while true do
    local p = string.find(s, needle, from, true)
    if not p then return nil end
    if (p - 1) % w == 0 then return p end
    from = p + 1
  end
end
`;

/**
 * `many(command, key, list)`: run `command key …list` in parts of 4 000 arguments (under Lua's
 * `unpack` limit; even, so field/value pairs stay together) and return the sum of the replies
 * (for HSET: the fields added).
 */
export const MANY_LUA = `
local function many(command, key, list)
  local n = #list
  local i = 1
  local total = 0
  while i <= n do
    local last = math.min(i + 3999, n)
    total = total + redis.call(command, key, unpack(list, i, last))
    i = last + 1
  end
  return total
end
`;
