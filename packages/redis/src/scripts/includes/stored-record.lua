--[[
  Records stored split (codec/split.ts): a record longer than 64 bytes (Redis' default
  hash-max-listpack-value) is kept as a 64-byte head — the marker byte 255 and the record's first
  63 bytes — in its hash, and the rest under the same field of a tail hash.

  stored_record(key, tails, f)       the record under field f of hash `key` (its tail in `tails`),
                                     or nil when there is none; a marked head without its tail is an
                                     error reply naming the key (the bytes are unreadable)
  store_record(key, tails, f, rec)   write record `rec` under f, split when longer than 64 bytes
                                     (a stale tail of a split record it replaces is dropped)
  stored_pieces(key, tails, f)       the head and tail under f as stored, '' for each absent (a
                                     tail only for a marked head), for a reader that joins them
                                     (readers/packed-member.ts packPieces) and names what is missing
]]
local function stored_record(key, tails, f)
  local head = redis.call('HGET', key, f)
  if not head then return nil end
  if string.byte(head, 1) ~= 255 then return head end
  local tail = redis.call('HGET', tails, f)
  if not tail then error({ err = 'SAKEDATA ' .. key .. ': split value whose tail is missing' }) end
  return string.sub(head, 2) .. tail
end

local function stored_pieces(key, tails, f)
  local head = redis.call('HGET', key, f)
  if not head then return '', '' end
  if string.byte(head, 1) ~= 255 then return head, '' end
  return head, redis.call('HGET', tails, f) or ''
end

local function store_record(key, tails, f, rec)
  if #rec > 64 then
    redis.call('HSET', key, f, '\255' .. string.sub(rec, 1, 63))
    redis.call('HSET', tails, f, string.sub(rec, 64))
  else
    redis.call('HSET', key, f, rec)
    redis.call('HDEL', tails, f)
  end
end
