--[[
  group_add(groups, order, key, item): append `item` to the list `groups[key]`, creating it (and
  noting `key` at the end of the array `order`) when it is new: items grouped by a key, the keys
  in the order first met, for one command per group.
]]
local function group_add(groups, order, key, item)
  local list = groups[key]
  if not list then
    list = {}
    groups[key] = list
    order[#order + 1] = key
  end
  list[#list + 1] = item
end
