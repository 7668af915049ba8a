--[[
  sakeValues (single node): a batch's writes of value keys (messages, invites) in one call and in
  order, instead of one command each: each command cost Node ~10 µs of ioredis work and ~3 KB of
  garbage, and messages are most of a mixed stream. The keys are built by the caller and not
  declared in KEYS, which a standalone server allows; a cluster sends the commands one by one.

  KEYS     none
  ARGV     ops, each
    S key value at           SET, with PXAT `at` unless it is '0', returning the previous value
    W key value at           the same without the previous value
    D key                    UNLINK

  Returns  the previous values of the S ops in order (nil when there was none); an unknown op is an
           error reply.
]]
local out = {}
local i = 1
local n = #ARGV
while i <= n do
  local op = ARGV[i]
  if op == 'S' or op == 'W' then
    local key, value, at = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local previous
    if op == 'S' then
      if at == '0' then previous = redis.call('SET', key, value, 'GET') else previous = redis.call('SET', key, value, 'PXAT', at, 'GET') end
      out[#out + 1] = previous
    elseif at == '0' then
      redis.call('SET', key, value)
    else
      redis.call('SET', key, value, 'PXAT', at)
    end
    i = i + 4
  elseif op == 'D' then
    redis.call('UNLINK', ARGV[i + 1])
    i = i + 2
  else
    return redis.error_reply('sakeValues: unknown op ' .. tostring(op))
  end
end
return out
