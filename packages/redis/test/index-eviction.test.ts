/**
 * `sakeIndexAdd`'s channel-limit eviction: it picks the smallest ids (shorter
 * is smaller, then text order) by a linear pass when few are over the limit
 * and by sorting when many are. Both paths are checked against a reference,
 * with ids of mixed lengths and mixed expiry scores (so score order is not id
 * order).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineScripts, type ScriptCommands } from '../src/scripts/index.js';
import { redisUrl, uniquePrefix } from './helpers.js';

/** Deterministic ids of 15–19 digits. */
function* ids(seed: number): Generator<string, never> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const digits = 15 + (x % 5);
    let id = String(1 + (x % 9));
    while (id.length < digits) {
      x = (x * 1103515245 + 12345) % 2147483648;
      id += String(x % 10);
    }
    yield id;
  }
}

const byIdOrder = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

describe('sakeIndexAdd eviction', () => {
  let redis: Redis;
  let client: ScriptCommands & Redis;
  const prefix = uniquePrefix('evict');
  beforeAll(() => {
    redis = new Redis(redisUrl());
    client = Object.assign(redis, defineScripts(redis));
  });
  afterAll(async () => {
    await redis.quit();
  });

  for (const [limit, adds] of [
    [20, 1],
    [20, 3],
    [20, 8],
    [20, 9],
    [5, 40],
  ] as const) {
    it(`keeps the ${limit} largest ids when ${adds} at a time are added`, async () => {
      const key = `${prefix}${limit}:${adds}`;
      const now = Date.now();
      const source = ids(limit * 1000 + adds);
      const kept = new Set<string>();
      for (let round = 0; round < Math.ceil((2 * limit) / adds) + 4; round++) {
        const args: string[] = [];
        const added: string[] = [];
        for (let i = 0; i < adds; i++) {
          const id = source.next().value;
          added.push(id);
          // Scores unrelated to id order, some without expiry.
          args.push(i % 3 === 0 ? 'inf' : String(now + 3_600_000 + ((round * 7 + i * 13) % 50)), id);
        }
        const evicted = await client.sakeIndexAdd(key, [String(now), String(limit), ...args]);
        for (const id of added) kept.add(id);
        const expected = [...kept].sort(byIdOrder);
        const over = expected.slice(0, Math.max(0, expected.length - limit));
        for (const id of over) kept.delete(id);
        expect([...evicted].sort(byIdOrder)).toEqual(over);
        expect((await client.zrange(key, 0, -1)).sort(byIdOrder)).toEqual([...kept].sort(byIdOrder));
      }
      await client.del(key);
    });
  }
});
