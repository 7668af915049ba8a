/**
 * read-located.lua (`sakeReadLocated`) against a TypeScript reference: a
 * locator hash and guild child hashes built at random (entries located in a
 * guild that lacks them, locator entries that are not 8 bytes, ids never
 * located) give what reading the locator and then the guild's hash gives.
 */
import { describe, expect, it } from 'vitest';
import { GUILD_CHILD_HASH, Keys } from '../../src/keys.js';
import { idBytes, idFromBytes } from '../../src/codec/ids.js';
import { uniquePrefix } from '../helpers.js';
import { bytes, random, scriptClient } from './harness.js';

const client = scriptClient();

describe('sakeReadLocated', () => {
  it('agrees with the reference on random locators and guild hashes', async () => {
    const redis = client.redis;
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed * 13 + 5);
      const keys = new Keys(uniquePrefix('loc'));
      const resource = (['channel', 'role', 'emoji'] as const)[next(3)]!;
      const guilds = Array.from({ length: 3 }, () => String(100_000_000_000_000_000n + BigInt(next(1_000_000))));
      const ids = Array.from({ length: 10 }, () => String(200_000_000_000_000_000n + BigInt(next(1_000_000))));
      // The reference: id → [guild, record | null] | null.
      const expected = new Map<string, readonly [string, Buffer | null] | null>();
      for (const id of ids) {
        const roll = next(5);
        if (roll === 0) {
          expected.set(id, null);
          continue;
        }
        if (roll === 1) {
          await redis.hset(keys.locator(resource), idBytes(id), bytes(next, 5));
          expected.set(id, null);
          continue;
        }
        const guild = guilds[next(guilds.length)]!;
        await redis.hset(keys.locator(resource), idBytes(id), idBytes(guild));
        const record = roll === 2 ? null : bytes(next, 1 + next(30));
        if (record) await redis.hset(keys.guildChild(guild, resource), idBytes(id), record);
        expected.set(id, [guild, record]);
      }
      for (const id of ids) {
        const reply = await redis.sakeReadLocatedBuffer(keys.locator(resource), keys.prefix, GUILD_CHILD_HASH[resource], idBytes(id));
        const got = reply ? [idFromBytes(reply[0]), reply[1]] : null;
        expect(got, `seed ${seed}: ${resource} ${id}`).toEqual(expected.get(id));
      }
    }
  });
});
