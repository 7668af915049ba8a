--[[
  Snowflakes in Lua 5.1, whose numbers are doubles (exact only up to 2^53): ids are converted
  between their decimal text and the 8 big-endian bytes of codec/ids.ts through four 16-bit limbs.

  snowflake_bytes(text)  the 8 bytes of a decimal id below 2^64; nil when `text` is not 1–20
                         digits (codec/ids.ts packs nothing else) or does not fit
  snowflake_text(bytes)  the decimal text of 8 big-endian bytes (codec/ids.ts idFromBytes)
  snowflake_hex(bytes)   the 16 lowercase hex digits of 8 bytes (the author index key's suffix)
  bucket_of(text, n)     the bucket of a decimal id among n (keys.ts bucketOf: last 9 digits mod n)
]]
-- Conversions already made, both ways: a batch names the same channels, guilds and authors again
-- and again. A function library (library.ts) keeps them from call to call, so they are dropped
-- once they hold SNOWFLAKE_MEMO_MAX conversions.
local SNOWFLAKE_BYTES, SNOWFLAKE_TEXT, SNOWFLAKE_MEMO = {}, {}, 0
local SNOWFLAKE_MEMO_MAX = 8192

-- Remember one conversion, text → bytes (`to_bytes`) or back (both count against the bound).
local function snowflake_memo(to_bytes, key, value)
  if SNOWFLAKE_MEMO >= SNOWFLAKE_MEMO_MAX then SNOWFLAKE_BYTES, SNOWFLAKE_TEXT, SNOWFLAKE_MEMO = {}, {}, 0 end
  SNOWFLAKE_MEMO = SNOWFLAKE_MEMO + 1
  if to_bytes then SNOWFLAKE_BYTES[key] = value else SNOWFLAKE_TEXT[key] = value end
end

local function snowflake_bytes(text)
  local known = SNOWFLAKE_BYTES[text]
  if known then return known end
  if type(text) ~= 'string' or #text == 0 or #text > 20 or string.find(text, '%D') then return nil end
  -- Little-endian 16-bit limbs; each group of (up to) four digits multiplies by 10^4 and adds,
  -- carrying upwards: a quarter of the steps of one digit at a time (limb * 10^4 + carry < 2^53).
  local limbs = { 0, 0, 0, 0 }
  local first = (#text - 1) % 4 + 1
  local from = 1
  while from <= #text do
    local to = from == 1 and first or from + 3
    local carry = tonumber(string.sub(text, from, to))
    local scale = 10 ^ (to - from + 1)
    for j = 1, 4 do
      local v = limbs[j] * scale + carry
      limbs[j] = v % 65536
      carry = (v - limbs[j]) / 65536
    end
    if carry ~= 0 then return nil end
    from = to + 1
  end
  local bytes = string.char(
    math.floor(limbs[4] / 256), limbs[4] % 256, math.floor(limbs[3] / 256), limbs[3] % 256,
    math.floor(limbs[2] / 256), limbs[2] % 256, math.floor(limbs[1] / 256), limbs[1] % 256)
  snowflake_memo(true, text, bytes)
  return bytes
end

local function snowflake_text(bytes)
  local known = SNOWFLAKE_TEXT[bytes]
  if known then return known end
  local b1, b2, b3, b4, b5, b6, b7, b8 = string.byte(bytes, 1, 8)
  -- Big-endian 16-bit limbs, divided by 10^4 until zero; the remainders are the digits, four at a
  -- time, last first (rest * 65536 + limb < 2^30).
  local limbs = { b1 * 256 + b2, b3 * 256 + b4, b5 * 256 + b6, b7 * 256 + b8 }
  local groups = {}
  repeat
    local rest, zero = 0, true
    for j = 1, 4 do
      local v = rest * 65536 + limbs[j]
      local q = math.floor(v / 10000)
      limbs[j] = q
      rest = v - q * 10000
      if q ~= 0 then zero = false end
    end
    groups[#groups + 1] = rest
  until zero
  local out = { tostring(groups[#groups]) }
  for k = #groups - 1, 1, -1 do out[#out + 1] = string.format('%04d', groups[k]) end
  local text = table.concat(out)
  snowflake_memo(false, bytes, text)
  return text
end

local function snowflake_hex(bytes)
  return string.format('%02x%02x%02x%02x%02x%02x%02x%02x', string.byte(bytes, 1, 8))
end

local function bucket_of(text, n)
  return tonumber(#text > 9 and string.sub(text, -9) or text) % n
end
