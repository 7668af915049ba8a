--[[
  sakeRoleHolders: the members of some member buckets of one guild that a removeRole must rewrite
  in Node (the pre-read of the batch), found in Redis so that a guild's other members never leave
  it. A record whose roles are in place (includes/member-roles.lua) is never one (sakeStripRoles
  edits it in place), unless it can't be parsed (Node decodes it and reports what is wrong); any
  other record is one when it contains a needle (a version-1 record's packed ids, or verbatim
  strings in the extension map: a record that contains neither can't hold the role, whatever its
  encoding).

  KEYS[1]  the guild's meta hash (keys.ts guildMeta: routes the call; every key read is in its slot)
  ARGV[1]  the guild's member bucket key without the number (keys.ts memberBucketPrefix)
  ARGV[2]  the first bucket
  ARGV[3]  the last bucket + 1
  ARGV[4]  k
  ARGV[5 … 4+k]  the roles' indexes in the guild's role dictionary
  ARGV[5+k …]    the needles (a role's 8-byte id and its decimal string)

  Returns  {field, head, tail, …} for each such member, and for each split head whose tail is
           missing (tail '': the caller reports it, as every read does).
]]
--- @include "member-roles"
local find = string.find
local base, first, last = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]) - 1
local k = tonumber(ARGV[4])
local wanted = {}
for i = 5, 4 + k do wanted[tonumber(ARGV[i])] = true end
local needles = 5 + k
local out = {}
for b = first, last do
  local key = base .. b
  local flat = redis.call('HGETALL', key)
  local tails = nil
  for i = 1, #flat, 2 do
    local f, v = flat[i], flat[i + 1]
    local split = byte(v, 1) == 255
    -- Roles in place (true / false): sakeStripRoles edits them, and a split head usually answers alone.
    local held = holdsWanted(v, wanted, split and 1 or 0)
    if held == nil or held == 'bad' then
      local record, tail, candidate = v, '', false
      if split then
        tails = tails or tailsOf(key)
        tail = tails[f]
        if tail then
          record = sub(v, 2) .. tail
          held = holdsWanted(record, wanted)
        else
          tail, record, candidate = '', nil, true
        end
      end
      if held == 'bad' then
        candidate = true
      elseif held == nil and record then
        for n = needles, #ARGV do
          if find(record, ARGV[n], 1, true) then
            candidate = true
            break
          end
        end
      end
      if candidate then
        out[#out + 1] = f
        out[#out + 1] = v
        out[#out + 1] = tail
      end
    end
  end
end
return out
