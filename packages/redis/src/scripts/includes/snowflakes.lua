--[[
  Snowflakes in Lua 5.1, whose numbers are doubles (exact only up to 2^53): ids are converted
  between their decimal text and the 8 big-endian bytes of codec/ids.ts through four 16-bit limbs.

  snowflake_bytes(text)  the 8 bytes of a decimal id below 2^64; nil when `text` is not 1–20
                         digits (codec/ids.ts packs nothing else) or does not fit
  snowflake_text(bytes)  the decimal text of 8 big-endian bytes (codec/ids.ts idFromBytes)
  snowflake_hex(bytes)   the 16 lowercase hex digits of 8 bytes (the author index key's suffix)
  bucket_of(text, n)     the bucket of a decimal id among n (keys.ts bucketOf: last 9 digits mod n)
]]
local function snowflake_bytes(text)
  if type(text) ~= 'string' or #text == 0 or #text > 20 or string.find(text, '%D') then return nil end
  -- Little-endian 16-bit limbs; each digit multiplies by 10 and adds, carrying upwards.
  local limbs = { 0, 0, 0, 0 }
  for k = 1, #text do
    local carry = string.byte(text, k) - 48
    for j = 1, 4 do
      local v = limbs[j] * 10 + carry
      limbs[j] = v % 65536
      carry = (v - limbs[j]) / 65536
    end
    if carry ~= 0 then return nil end
  end
  local out = {}
  for j = 4, 1, -1 do
    out[#out + 1] = math.floor(limbs[j] / 256)
    out[#out + 1] = limbs[j] % 256
  end
  return string.char(unpack(out))
end

local function snowflake_text(bytes)
  local b = { string.byte(bytes, 1, 8) }
  -- Big-endian 16-bit limbs, divided by 10 until zero; the remainders are the digits, last first.
  local limbs = { b[1] * 256 + b[2], b[3] * 256 + b[4], b[5] * 256 + b[6], b[7] * 256 + b[8] }
  local digits = {}
  repeat
    local rest, zero = 0, true
    for j = 1, 4 do
      local v = rest * 65536 + limbs[j]
      limbs[j] = math.floor(v / 10)
      rest = v % 10
      if limbs[j] ~= 0 then zero = false end
    end
    digits[#digits + 1] = rest
  until zero
  local out = {}
  for k = #digits, 1, -1 do out[#out + 1] = digits[k] end
  return table.concat(out)
end

local function snowflake_hex(bytes)
  return string.format('%02x%02x%02x%02x%02x%02x%02x%02x', string.byte(bytes, 1, 8))
end

local function bucket_of(text, n)
  return tonumber(#text > 9 and string.sub(text, -9) or text) % n
end
