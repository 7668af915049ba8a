--[[
  alignedFind(s, needle, w): where `needle` (one entry) starts in `s`, a packed list of fixed-width
  entries (an id dictionary, a user's guild list), at an entry boundary, or nil.

  A list as long as the cache's guilds is searched on every guild a bot joins, so the search runs
  at C speed: `string.find` (plain) finds each candidate with `memchr` on the pattern's first byte.
  That byte is the needle's second-to-last (or last) one, not its first: the high-order bytes of
  big-endian indexes are nearly all 0 or 1, and a pattern starting with one stopped `memchr` at
  almost every byte (16 ns per entry: 1.6 ms to miss in a list of 100 000 guilds).
]]
local function alignedFind(s, needle, w)
  local j = 1
  if w > 1 and string.byte(needle, w - 1) > 1 then j = w - 1
  elseif string.byte(needle, w) > 1 then j = w end
  local part = j == 1 and needle or string.sub(needle, j)
  local from = j
  while true do
    local p = string.find(s, part, from, true)
    if not p then return nil end
    local start = p - j + 1
    if (start - 1) % w == 0 and (j == 1 or string.sub(s, start, start + w - 1) == needle) then return start end
    from = p + 1
  end
end
