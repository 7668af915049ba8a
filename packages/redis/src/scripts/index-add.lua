--[[
  sakeIndexAdd: add ids to an expiring index (a sorted set scored by expiry in ms, 'inf' for none),
  drop expired entries, and with a limit evict the smallest ids beyond it (snowflakes: shorter is
  smaller, then text order). The index itself expires with its longest-lived entry (PEXPIREAT), so
  an index nobody writes to again does not outlive its entries. A single node sends a batch's index
  writes as one sakeIndexOps call instead (index-ops.lua); this is the cluster's, one index per call.

  KEYS[1]  the index
  ARGV[1]  now (ms)
  ARGV[2]  the limit (0 = none)
  then, optionally (single node, with a limit), the eviction block (includes/index-add.lua):
    'E' prefix buckets ttl channel k kept×k
           the store's prefix, its user bucket count, the orphan TTL (ms), the channel whose index
           KEYS[1] is (decimal id), and the k ids the batch adds to it
  then     (score, id) pairs

  Returns  the evicted ids (with the eviction block: those it did not delete).
]]
--- @include "index-add"
local evict, first = read_evict_block(ARGV, 3)
return index_add(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), evict, ARGV, first, #ARGV)
