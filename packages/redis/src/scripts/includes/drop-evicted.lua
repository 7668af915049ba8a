--[[
  drop_evicted(prefix, id, channel, buckets, ttl, now): delete a message a channel limit evicted
  from the index of channel `channel` (decimal id) of the store under `prefix` (single node: it
  touches keys of other slots), with its other indexes: the all-messages index, its guild's, and
  its author's (whose user then goes on the orphan schedule when nothing else refers to it; user
  buckets `buckets`, orphan TTL `ttl` ms). A message stored in another channel by now (moved) is
  left alone. Returns false, having written nothing, when the stored record's placement can't be
  read here (message-placement.lua): the caller deletes it instead.
]]
--- @include "keys"
--- @include "message-placement"
--- @include "orphans"
local function drop_evicted(prefix, id, channel, buckets, ttl, now)
  local key = prefix .. KEY_MESSAGE .. id
  local record = redis.call('GET', key)
  if not record then
    redis.call('ZREM', prefix .. KEY_ALL_MESSAGES, id)
    return true
  end
  local place = message_placement(record)
  if not place then return false end
  if place.channel ~= channel then return true end
  redis.call('UNLINK', key)
  redis.call('ZREM', prefix .. KEY_ALL_MESSAGES, id)
  if place.guild then redis.call('ZREM', prefix .. KEY_MESSAGES_BY_GUILD .. place.guild, id) end
  if place.author then
    local f = snowflake_bytes(place.author)
    local bucket = user_bucket(prefix .. KEY_USER_TAG_OPEN .. bucket_of(place.author, buckets) .. KEY_USER_TAG_CLOSE)
    redis.call('ZREM', author_key(bucket, f), id)
    schedule_orphan(bucket, f, ttl, now, redis.call('EXISTS', bucket.orph) == 1)
  end
  return true
end
