--[[
  sakeReadLocated (single node: the guild's child hash is in another slot than the locator, and its
  key is built here from the prefix and the guild found, which a standalone server allows): a
  channel, role or emoji by id in one command, where reading the locator and then the guild's hash
  took two round trips (`getGuildChannel` among them). A cluster reads one, then the other.

  KEYS[1]  the locator hash (keys.ts locator)
  ARGV[1]  the key prefix
  ARGV[2]  the child hash's name (keys.ts GUILD_CHILD_HASH)
  ARGV[3]  the entity's 8-byte id

  Returns  nil when the locator holds no 8-byte guild id for it; else {guild id (8 bytes), the
           record, or nil when the guild's hash lacks it}. A key holding another type fails the
           call with WRONGTYPE.
]]
--- @include "keys"
--- @include "snowflakes"
local guild = redis.call('HGET', KEYS[1], ARGV[3])
if not guild or #guild ~= 8 then return false end
local key = ARGV[1] .. KEY_GUILD_TAG_OPEN .. snowflake_text(guild) .. KEY_GUILD_TAG_CLOSE .. KEY_GUILD_CHILD .. ARGV[2]
return { guild, redis.call('HGET', key, ARGV[3]) }
