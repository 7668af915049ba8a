--[[
  many(command, key, list): run `command key …list` in parts of 4 000 arguments (under Lua's
  `unpack` limit; even, so field/value pairs stay together) and return the sum of the replies
  (for HSET: the fields added).
]]
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
