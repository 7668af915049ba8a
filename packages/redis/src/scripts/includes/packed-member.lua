--[[
  The packed member replies of the member read scripts, and reading a member's user.

  One member in a packed reply: a header, the field (the user's 8-byte id), the member bytes and
  the user bytes. The header is `flags u8` then, when flag 32 is clear, `fieldLength u8,
  memberLength u16be, userLength u16be` (6 bytes), or when flag 32 is set `fieldLength u32be,
  memberLength u32be, userLength u32be` (13 bytes). Flags:
    1   the member head is marked split but its tail is missing (the member bytes are the head)
    2   no user entry
    4   the user head is marked split but its tail is missing (the user bytes are the head)
    8   the member bytes are a split head followed by its tail (the record starts after the marker)
    16  the same for the user bytes
    32  long lengths
  Head and tail are emitted side by side so the record is contiguous without Lua building a joined
  string. A byte 255 where a header would start is a bucket marker instead: `255, bucket u32be`;
  the members after it are in that member bucket (iteration only: a point read's caller knows its
  bucket). Decoded in place by codec/decode-at.ts.

  userOf(ukey, utkey, f): the user of 8-byte id `f` in user hash `ukey` (tails in `utkey`): head,
  tail, flags. put(out, n, flags, f, m, mt, u, ut): append one packed member to `out` after index
  `n` as pieces (`table.concat` joins them once; `string.char` for the header is much cheaper than
  `struct.pack` per member); returns the new last index.
]]
local byte, sub, char, spack = string.byte, string.sub, string.char, struct.pack
local function userOf(ukey, utkey, f)
  local u = redis.call('HGET', ukey, f)
  if not u then return '', '', 2 end
  if byte(u, 1) == 255 then
    local t = redis.call('HGET', utkey, f)
    if t then return u, t, 16 end
    return u, '', 4
  end
  return u, '', 0
end
local function put(out, n, flags, f, m, mt, u, ut)
  local ml, ul = #m + #mt, #u + #ut
  if ml < 65536 and ul < 65536 and #f < 256 then
    local mlo, ulo = ml % 256, ul % 256
    out[n + 1] = char(flags, #f, (ml - mlo) / 256, mlo, (ul - ulo) / 256, ulo)
  else
    out[n + 1] = spack('>BI4I4I4', flags + 32, #f, ml, ul)
  end
  out[n + 2] = f
  out[n + 3] = m
  out[n + 4] = mt
  out[n + 5] = u
  out[n + 6] = ut
  return n + 6
end
