/**
 * read-live-ids.lua (`sakeReadLiveIds`) against a TypeScript reference:
 * random expiring indexes (some entries expired, some without expiry, some
 * indexes absent) give, per index, the ids scored after now in score order.
 */
import { describe, expect, it } from 'vitest';
import { uniquePrefix } from '../helpers.js';
import { random, scriptClient } from './harness.js';

const client = scriptClient();

/** The reference: the ids scored after `now`, by score then by id (ZRANGEBYSCORE's order). */
function live(index: ReadonlyMap<string, number>, now: number): string[] {
  return [...index]
    .filter(([, score]) => score > now)
    .sort(([a, sa], [b, sb]) => sa - sb || (a < b ? -1 : a > b ? 1 : 0))
    .map(([id]) => id);
}

describe('sakeReadLiveIds', () => {
  it('agrees with the reference on random indexes (expired, everlasting and absent entries)', async () => {
    const redis = client.redis;
    const now = Date.now();
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed * 5 + 2);
      const prefix = uniquePrefix('live');
      const keys = Array.from({ length: 1 + next(6) }, (_, i) => `${prefix}mx:c:${i}`);
      const indexes = keys.map(() => new Map<string, number>());
      for (const [k, key] of keys.entries()) {
        if (next(4) === 0) continue;
        for (let j = 0; j < next(12); j++) {
          const score = next(5) === 0 ? Infinity : now - 5_000 + next(10) * 1_000;
          const id = String(100 + next(50));
          indexes[k]!.set(id, score);
          await redis.zadd(key, score === Infinity ? '+inf' : String(score), id);
        }
      }
      expect(await redis.sakeReadLiveIds([String(now), ...keys]), `seed ${seed}`).toEqual(indexes.map((index) => live(index, now)));
      await redis.del(...keys);
    }
  });
});
