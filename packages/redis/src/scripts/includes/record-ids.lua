--[[
  record_ids(record, resource, names): the ids `names` (fields of kind 'id' in codec/schemas.ts) of
  a stored record of `resource`, as a table name → decimal text, or false for none (absent or
  null); nil when the record can't be parsed or holds one of them in another shape (an id that is
  not 8 bytes, a field in the extension map): the caller then can't tell where the entry is indexed.
]]
--- @include "schemas"
--- @include "record-merge"
--- @include "snowflakes"
-- Field numbers by resource and name, built on first use (a script runs its whole text on every call).
local RECORD_FIELD_AT = {}

local function record_ids(record, resource, names)
  local at = RECORD_FIELD_AT[resource]
  if not at then
    at = {}
    for i, name in ipairs(SCHEMA_FIELDS[resource]) do at[name] = i end
    RECORD_FIELD_AT[resource] = at
  end
  local vals, by_name = record_fields(record, SCHEMA_FIELDS[resource])
  if not vals then return nil end
  local out = {}
  for _, name in ipairs(names) do
    if by_name[name] then return nil end
    local v = vals[at[name]]
    if v == nil or v == 1 or v == '\192' then
      out[name] = false
    elseif type(v) == 'string' and #v == 10 and string.byte(v, 1) == 0xc4 and string.byte(v, 2) == 8 then
      out[name] = snowflake_text(string.sub(v, 3))
    else
      return nil
    end
  end
  return out
end
