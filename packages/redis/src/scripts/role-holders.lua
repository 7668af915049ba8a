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
local base, first, last = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]) - 1
local k = tonumber(ARGV[4])
local wanted = {}
for i = 5, 4 + k do wanted[tonumber(ARGV[i])] = true end
local needles = {}
for i = 5 + k, #ARGV do needles[#needles + 1] = ARGV[i] end
local out = {}
for b = first, last do holderCandidates(base .. b, wanted, needles, out) end
return out
