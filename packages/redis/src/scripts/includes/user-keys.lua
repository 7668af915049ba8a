--[[
  userKeys(prefix, b): the user hash and the user tail hash of user bucket `b` of the store under
  `prefix` (keys.ts users / userTails), for scripts that find users by bucket number.
]]
--- @include "keys"
local function userKeys(prefix, b)
  local tag = prefix .. KEY_USER_TAG_OPEN .. b .. KEY_USER_TAG_CLOSE
  return tag .. KEY_USERS, tag .. KEY_USER_TAILS
end
