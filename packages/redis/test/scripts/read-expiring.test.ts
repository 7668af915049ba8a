/**
 * read-expiring.lua (`sakeReadExpiring`) against a TypeScript reference:
 * random sets of keys — absent, without expiry, expiring at their own time,
 * asked for twice — give the values the reference holds, -2 for the absent,
 * -1 for those without expiry, and the time left for the others.
 */
import { describe, expect, it } from 'vitest';
import { uniquePrefix } from '../helpers.js';
import { bytes, random, scriptClient } from './harness.js';

const client = scriptClient();

/** What the reference holds under a key: its bytes and when it expires (epoch ms; null: never). */
interface Entry {
  value: Buffer;
  at: number | null;
}

describe('sakeReadExpiring', () => {
  it('agrees with the reference on random key sets (values, absent keys, expiries)', async () => {
    const redis = client.redis;
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed);
      const prefix = uniquePrefix('rexp');
      const reference = new Map<string, Entry>();
      const names = Array.from({ length: 12 }, (_, i) => `${prefix}m:${i}`);
      const now = Date.now();
      for (const key of names) {
        const roll = next(3);
        if (roll === 0) continue;
        const entry: Entry = { value: bytes(next, 1 + next(40)), at: roll === 1 ? null : now + 60_000 + next(600) * 1000 };
        reference.set(key, entry);
        if (entry.at === null) await redis.set(key, entry.value);
        else await redis.set(key, entry.value, 'PXAT', entry.at);
      }
      const asked = Array.from({ length: 1 + next(20) }, () => names[next(names.length)]!);
      const flat = await redis.sakeReadExpiringBuffer(asked);
      const readAt = Date.now();
      expect(flat, `seed ${seed}`).toHaveLength(2 * asked.length);
      asked.forEach((key, i) => {
        const entry = reference.get(key);
        const [value, pttl] = [flat[2 * i], flat[2 * i + 1] as number];
        if (!entry) {
          expect([value, pttl], `seed ${seed}: ${key}`).toEqual([null, -2]);
          return;
        }
        expect(Buffer.compare(value as Buffer, entry.value), `seed ${seed}: ${key}`).toBe(0);
        if (entry.at === null) expect(pttl, `seed ${seed}: ${key}`).toBe(-1);
        else {
          expect(pttl, `seed ${seed}: ${key}`).toBeLessThanOrEqual(entry.at - now);
          expect(pttl, `seed ${seed}: ${key}`).toBeGreaterThan(entry.at - readAt - 1_000);
        }
      });
      await redis.del(...names);
    }
  });

  it('fails with WRONGTYPE on a key holding another Redis type', async () => {
    const key = `${uniquePrefix('rexp')}m:hash`;
    await client.redis.hset(key, 'not', 'a message');
    await expect(client.redis.sakeReadExpiringBuffer([key])).rejects.toThrow(/WRONGTYPE/);
    await client.redis.del(key);
  });
});
