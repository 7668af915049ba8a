--[[
  The orphan schedule of a user bucket: a user no member list, presence list or live message
  refers to gets a deadline in the bucket's orphan set, and a sweep deletes it once due.

  user_bucket(tag)                   the keys of the user bucket with hash tag `tag` (keys.ts):
                                     { tag, users, ut, mg, pg, orph }
  author_key(bucket, f)              the message index of author f (8-byte id)
  last_authored(bucket, f, now)      the last expiry (ms) of f's live messages, 'pinned' when one
                                     has none, 0 when there are none (expired entries are dropped)
  listed(bucket, f)                  whether a member or presence list refers to f
  schedule_orphan(bucket, f, ttl, now, has_orphans)
                                     put f on the schedule (deadline: its last message's expiry,
                                     or now, plus `ttl`) or off it; `has_orphans`: whether the
                                     orphan set exists (without one, nothing needs removing)
]]
--- @include "keys"
--- @include "snowflakes"
local function user_bucket(tag)
  return {
    tag = tag,
    users = tag .. KEY_USERS,
    ut = tag .. KEY_USER_TAILS,
    mg = tag .. KEY_MEMBER_GUILDS,
    pg = tag .. KEY_PRESENCE_GUILDS,
    orph = tag .. KEY_ORPHANS,
  }
end

local function author_key(bucket, f)
  return bucket.tag .. KEY_AUTHOR_INDEX .. snowflake_hex(f)
end

local function last_authored(bucket, f, now)
  local key = author_key(bucket, f)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] == nil then return 0 end
  local score = tonumber(last[2])
  if score == math.huge then return 'pinned' end
  return score
end

local function listed(bucket, f)
  return redis.call('HEXISTS', bucket.mg, f) == 1 or redis.call('HEXISTS', bucket.pg, f) == 1
end

-- The common case first: a listed user (a message author who is a member) needs two calls, or
-- one when the bucket has no orphan set.
local function schedule_orphan(bucket, f, ttl, now, has_orphans)
  if listed(bucket, f) or redis.call('HEXISTS', bucket.users, f) == 0 then
    if has_orphans then redis.call('ZREM', bucket.orph, f) end
    return
  end
  local refs = last_authored(bucket, f, now)
  if refs == 'pinned' or ttl <= 0 then
    if has_orphans then redis.call('ZREM', bucket.orph, f) end
    return
  end
  redis.call('ZADD', bucket.orph, math.max(now, refs) + ttl, f)
end
