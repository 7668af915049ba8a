/**
 * index-add.lua (`sakeIndexAdd`) against a TypeScript reference: random adds
 * to an expiring index with and without a limit evict the ids the reference
 * evicts (smallest snowflakes first: shorter, then text order), drop the
 * expired entries, and leave the index's own expiry at its longest-lived entry.
 * index-ops.lua (`sakeIndexOps`, a batch's index writes in one call): random
 * runs of add and removal groups over a few indexes end as the same groups
 * applied one by one to the reference.
 */
import { describe, expect, it } from 'vitest';
import { uniquePrefix } from '../helpers.js';
import { random, scriptClient } from './harness.js';

const client = scriptClient();

/** Snowflake order: shorter is smaller, then text order. */
function bySnowflake(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** The reference: apply one call to `index` (id → score, Infinity = none); answers the evicted ids and the key's expiry. */
function reference(index: Map<string, number>, now: number, limit: number, pairs: ReadonlyArray<[number, string]>): { evicted: string[]; expiry: number } {
  for (const [id, score] of index) if (score <= now) index.delete(id);
  for (const [score, id] of pairs) index.set(id, score);
  // The expiry is set before the eviction: an evicted entry may be the longest-lived.
  const top = Math.max(-Infinity, ...index.values());
  const evicted: string[] = [];
  if (limit > 0 && index.size > limit) {
    evicted.push(...[...index.keys()].sort(bySnowflake).slice(0, index.size - limit));
    for (const id of evicted) index.delete(id);
  }
  return { evicted, expiry: top === Infinity ? -1 : top };
}

describe('sakeIndexAdd', () => {
  it('agrees with the reference on random adds, expiries and limits (evicted ids, entries, expiry)', async () => {
    const redis = client.redis;
    // Scores after the server's clock, so PEXPIREAT never deletes the key; `now` moves among them.
    const base = Date.now() + 3_600_000;
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed * 7 + 1);
      const key = `${uniquePrefix('zx')}mx:c:1`;
      const index = new Map<string, number>();
      for (let call = 0; call < 4; call++) {
        const now = base + call * 100;
        const limit = next(3) === 0 ? 0 : 1 + next(12);
        const pairs: Array<[number, string]> = Array.from({ length: 1 + next(seed % 3 === 0 ? 20 : 3) }, () => [
          next(6) === 0 ? Infinity : base + next(600),
          String(next(2) === 0 ? next(1000) : 100_000 + next(900_000)),
        ]);
        const expected = reference(index, now, limit, pairs);
        const args = pairs.flatMap(([score, id]) => [score === Infinity ? 'inf' : String(score), id]);
        const evicted = await redis.sakeIndexAdd(key, [String(now), String(limit), ...args]);
        expect(evicted).toEqual(expected.evicted);
        const stored = await redis.zrange(key, 0, -1, 'WITHSCORES');
        const entries = new Map<string, number>();
        for (let i = 0; i < stored.length; i += 2) entries.set(stored[i]!, stored[i + 1] === 'inf' ? Infinity : Number(stored[i + 1]));
        expect(entries).toEqual(index);
        expect(await redis.pexpiretime(key)).toBe(index.size === 0 ? -2 : expected.expiry);
      }
    }
  });
});

/** The reference of a removal group: the ids and the expired entries leave the index. */
function removeReference(index: Map<string, number>, now: number, ids: readonly string[]): void {
  for (const id of ids) index.delete(id);
  for (const [id, score] of index) if (score <= now) index.delete(id);
}

describe('sakeIndexOps', () => {
  it('agrees with the reference on random runs of add and removal groups over three indexes in one call', async () => {
    const redis = client.redis;
    const base = Date.now() + 3_600_000;
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed * 11 + 3);
      const prefix = uniquePrefix('zo');
      const keys = [`${prefix}mx:c:1`, `${prefix}mx:c:2`, `${prefix}mx:g:1`];
      const indexes = keys.map(() => new Map<string, number>());
      const id = (): string => String(next(2) === 0 ? next(50) : 100_000 + next(40));
      for (let call = 0; call < 3; call++) {
        const now = base + call * 100;
        const args: string[] = [String(now)];
        const expected: string[][] = [];
        for (let g = 0; g < 1 + next(6); g++) {
          const k = next(keys.length);
          if (next(3) === 0) {
            const ids = Array.from({ length: 1 + next(4) }, id);
            args.push('R', keys[k]!, String(ids.length), ...ids);
            removeReference(indexes[k]!, now, ids);
            expected.push([]);
          } else {
            const limit = next(3) === 0 ? 0 : 1 + next(8);
            const pairs: Array<[number, string]> = Array.from({ length: 1 + next(5) }, () => [next(6) === 0 ? Infinity : base + next(600), id()]);
            args.push('A', keys[k]!, String(limit), String(pairs.length), ...pairs.flatMap(([score, i]) => [score === Infinity ? 'inf' : String(score), i]));
            expected.push(reference(indexes[k]!, now, limit, pairs).evicted);
          }
        }
        expect(await redis.sakeIndexOps(args), `seed ${seed} call ${call}`).toEqual(expected);
        for (const [k, key] of keys.entries()) {
          const stored = await redis.zrange(key, 0, -1, 'WITHSCORES');
          const entries = new Map<string, number>();
          for (let i = 0; i < stored.length; i += 2) entries.set(stored[i]!, stored[i + 1] === 'inf' ? Infinity : Number(stored[i + 1]));
          expect(entries, `seed ${seed} call ${call} ${key}`).toEqual(indexes[k]);
        }
      }
    }
  });

  it('answers an unknown group with an error', async () => {
    await expect(client.redis.sakeIndexOps([String(Date.now()), 'X', `${uniquePrefix('zo')}mx`])).rejects.toThrow(/unknown group/);
  });
});
