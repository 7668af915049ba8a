/**
 * `alignedFind` (scripts/includes/aligned-find.lua), run in Redis' Lua against a
 * reference written in TypeScript: lists of 4- and 8-byte entries, needles
 * whose low-order bytes are 0 or 1 (the search falls back to anchoring on the
 * whole needle), and lists built so that the bytes the search anchors on occur
 * at every offset, across entry boundaries, without being the needle.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleLua } from '../src/scripts/loader.js';
import { redisUrl } from './helpers.js';

/** Every needle's answer in one call: 1-based start of the entry, or 0. */
const FIND_ALL_LUA = assembleLua(`--- @include "aligned-find"
local s, w = ARGV[1], tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV do out[#out + 1] = alignedFind(s, ARGV[i], w) or 0 end
return out
`);

/** The reference: the first entry of `list` equal to `needle`, as a 1-based byte offset, or 0. */
function reference(list: Buffer, needle: Buffer, w: number): number {
  for (let at = 0; at + w <= list.length; at += w) if (list.subarray(at, at + w).equals(needle)) return at + 1;
  return 0;
}

/** A deterministic generator (the test must fail the same way twice). */
function bytesFrom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 255;
  };
}

let redis: Redis;
beforeAll(() => {
  redis = new Redis(redisUrl());
});
afterAll(() => {
  redis.disconnect();
});

async function check(list: Buffer, needles: Buffer[], w: number): Promise<void> {
  const found = (await redis.eval(FIND_ALL_LUA, 0, list, String(w), ...needles)) as number[];
  expect(found).toEqual(needles.map((n) => reference(list, n, w)));
}

describe('alignedFind', () => {
  it('finds 4-byte big-endian indexes of a long list (a bot in 70 000 guilds), and misses the absent ones', async () => {
    const n = 70_000;
    const list = Buffer.alloc(4 * n);
    // Not in order, as lists are appended in join order.
    for (let i = 0; i < n; i++) list.writeUInt32BE((i * 7_919) % n, 4 * i);
    const needles = [0, 1, 2, 255, 256, 257, 511, 65_535, 65_536, 65_537, 69_999, 70_000, 70_001, 131_072, 0x01010101, 0xffffffff].map((x) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(x >>> 0);
      return b;
    });
    await check(list, needles, 4);
  });

  it('ignores the anchor bytes where they span two entries or sit at another offset', async () => {
    // Needle 00 00 07 09: its last two bytes occur at every offset but the aligned one.
    const list = Buffer.from([7, 9, 0, 0, 0, 7, 9, 0, 0, 0, 0, 7, 9, 7, 9, 9, 0, 0, 7, 8]);
    await check(list, [Buffer.from([0, 0, 7, 9]), Buffer.from([0, 0, 7, 8]), Buffer.from([9, 0, 0, 0]), Buffer.from([7, 9, 9, 0])], 4);
    await check(Buffer.concat([list, Buffer.from([0, 0, 7, 9])]), [Buffer.from([0, 0, 7, 9])], 4);
  });

  it('agrees with the reference on random lists of 4- and 8-byte entries over a small alphabet', async () => {
    for (const w of [4, 8]) {
      for (let seed = 1; seed <= 40; seed++) {
        const next = bytesFrom(seed * 31 + w);
        // Bytes from {0, 1, 2, 3}: needles collide with entries and with unaligned runs all the time.
        const list = Buffer.from(Array.from({ length: w * (1 + (seed % 50)) }, () => next() & 3));
        const needles = Array.from({ length: 12 }, (_, k) => {
          if (k < 4 && list.length >= w) {
            const at = w * (next() % (list.length / w));
            return Buffer.from(list.subarray(at, at + w));
          }
          return Buffer.from(Array.from({ length: w }, () => next() & 3));
        });
        await check(list, needles, w);
      }
    }
  });

  it('answers nil for an empty list', async () => {
    await check(Buffer.alloc(0), [Buffer.from([0, 0, 0, 5]), Buffer.from([0, 0, 0, 0])], 4);
  });
});

/** `many` (scripts/includes/many.lua) on `n` field/value pairs: the fields HSET added, and the hash's length. */
const MANY_LUA = assembleLua(`--- @include "many"
local list = {}
for i = 1, tonumber(ARGV[1]) do
  list[#list + 1] = 'f' .. (i % tonumber(ARGV[2]))
  list[#list + 1] = 'v' .. i
end
return { many('HSET', KEYS[1], list), redis.call('HLEN', KEYS[1]) }
`);

describe('many', () => {
  it('runs a command over more arguments than unpack takes at once, and sums the replies', async () => {
    for (const [pairs, distinct] of [
      [0, 1],
      [1, 1],
      [1_999, 5_000],
      [2_000, 5_000],
      [2_001, 5_000],
      [9_000, 5_000],
      [30_000, 30_000],
    ] as const) {
      const key = `sake-many-${pairs}-${distinct}-${Date.now()}`;
      // The reference: the distinct fields among the pairs (HSET counts a field once, when new).
      const expected = new Set(Array.from({ length: pairs }, (_, i) => (i + 1) % distinct)).size;
      expect(await redis.eval(MANY_LUA, 1, key, String(pairs), String(distinct))).toEqual([expected, expected]);
      await redis.unlink(key);
    }
  });
});
