--[[
  sakeReadExpiring (single node: the keys span slots and are not declared in KEYS, which a
  standalone server allows): the values of expiring string keys (messages, invites) with the time
  each has left, in one command, where a GET and a PTTL per key were two commands each (a batch
  that edits or reacts to many messages pre-reads them all). A cluster reads them key by key.

  KEYS     none
  ARGV     the keys

  Returns  {value|nil, pttl} per key, flattened: pttl as PTTL answers it (-1: no expiry), -2 for an
           absent key. A key holding another type fails the call with WRONGTYPE.
]]
local out = {}
for i = 1, #ARGV do
  local value = redis.call('GET', ARGV[i])
  out[2 * i - 1] = value
  out[2 * i] = value and redis.call('PTTL', ARGV[i]) or -2
end
return out
