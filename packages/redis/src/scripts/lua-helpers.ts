/**
 * Lua shared by the scripts that search packed lists of fixed-width entries (id dictionaries, a
 * user's guild lists): `alignedFind(s, needle, w)` is where `needle` (one entry) starts in `s` at
 * an entry boundary, or nil. One plain `string.find` (C speed) per hit, never a substring per
 * entry: a list as long as the cache's guilds is searched on every guild a bot joins.
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
