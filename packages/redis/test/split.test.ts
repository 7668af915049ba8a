/**
 * Split values: member and user records longer than 64 bytes are stored split (a
 * marked head in the bucket, the rest in the bucket's tail hash) so buckets
 * stay listpack-encoded. Runs on a single
 * node (one-command reads) and on the cluster (per-slot reads).
 */
import { mutation } from '@sake/abc';
import { Keys, RedisCache } from '@sake/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketOf, member, redisUrl, sf, TOPOLOGIES, uniquePrefix, user } from './helpers.js';

let admin: Redis;
beforeAll(() => {
  admin = new Redis(redisUrl());
});
afterAll(() => {
  admin.disconnect();
});

/** A member whose record is far over 64 bytes (10 roles, a long nick, an unknown field). */
function bigMember(guildId: string): Record<string, unknown> {
  return member(guildId, user(sf(), { banner: 'a_0123456789abcdef0123456789abcdef', brand_new: { nested: ['x'.repeat(40)] } }), {
    roles: Array.from({ length: 10 }, () => sf()),
    nick: 'a rather long nickname ✨ with emoji',
    unknown_member_field: [1, 2, 3],
  });
}

for (const [name, make] of TOPOLOGIES) {
  describe(`split values (${name})`, () => {
    it('round-trips big members and users through get, iteration and merge, and shrinking drops the tail', async () => {
      const cache = make();
      await cache.open();
      const guildId = sf();
      const small = Array.from({ length: 30 }, () => member(guildId));
      const big = Array.from({ length: 30 }, () => bigMember(guildId));
      await cache.apply([
        mutation.set('guild', { id: guildId, name: 'G', member_count: 60 } as never),
        mutation.replaceForGuild('member', guildId, [...small, ...big] as never),
      ]);
      for (const m of [...small, ...big]) {
        const id = (m.user as { id: string }).id;
        await expect(cache.getMember(guildId, id)).resolves.toEqual(m);
        await expect(cache.getUser(id)).resolves.toEqual(m.user);
      }
      const iterated = await cache.iterMembersForGuild(guildId).toArray();
      const byId = (list: Array<Record<string, unknown>>) => new Map(list.map((m) => [(m.user as { id: string }).id, m]));
      expect(byId(iterated as never)).toEqual(byId([...small, ...big]));
      await expect(cache.iterUsers().toArray()).resolves.toHaveLength(60);

      // Chunk-style sets (the `MS` run) of a big member, then shrink it again.
      const target = big[0]!;
      const id = (target.user as { id: string }).id;
      const shrunk = { ...target, roles: [], nick: null, unknown_member_field: undefined };
      delete shrunk.unknown_member_field;
      await cache.apply([mutation.set('member', shrunk as never)]);
      await expect(cache.getMember(guildId, id)).resolves.toEqual(shrunk);
      await cache.apply([mutation.merge('member', { guildId, userId: id }, { roles: (target.roles as string[]).slice(0, 9) })]);
      await expect(cache.getMember(guildId, id)).resolves.toEqual({ ...shrunk, roles: (target.roles as string[]).slice(0, 9) });
      await cache.close();
    });

    it('a user set whole and then split in one batch keeps its tail (and a __proto__ key round-trips)', async () => {
      const cache = make();
      await cache.open();
      const id = sf();
      const whole = user(id);
      const split = user(id, { bio: 'x'.repeat(100_000) + '🍣é', odd: JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown });
      await cache.apply([mutation.set('user', whole as never), mutation.set('user', split as never)]);
      await expect(cache.getUser(id)).resolves.toEqual(split);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // And the other way round: the last value wins, no stale marked head.
      await cache.apply([mutation.set('user', split as never), mutation.set('user', whole as never)]);
      await expect(cache.getUser(id)).resolves.toEqual(whole);
      await cache.close();
    });
  });
}

describe('split values keep buckets compact (single node)', () => {
  it('every member and user bucket stays listpack-encoded, tails live in their own hashes, and deletes remove tails', async () => {
    const prefix = uniquePrefix('split');
    const cache = new RedisCache(redisUrl(), { prefix });
    await cache.open();
    const keys = new Keys(prefix);
    const guildId = sf();
    const members = Array.from({ length: 200 }, () => bigMember(guildId));
    await cache.apply([
      mutation.set('guild', { id: guildId, name: 'G', member_count: 200 } as never),
      mutation.replaceForGuild('member', guildId, members as never),
    ]);
    const nb = Number(await admin.hget(keys.guildMeta(guildId), 'mb'));
    for (let b = 0; b < nb; b++) {
      const key = keys.memberBucket(guildId, b);
      if ((await admin.exists(key)) === 0) continue;
      expect(await admin.object('ENCODING', key)).toBe('listpack');
      expect(await admin.hlen(keys.memberTails(guildId, b))).toBe(await admin.hlen(key));
    }
    const ubuckets = Number(await admin.hget(keys.layout, 'userBuckets'));
    const someUser = (members[0]!.user as { id: string }).id;
    expect(await admin.object('ENCODING', keys.users(bucketOf(someUser, ubuckets)))).toBe('listpack');

    const b = bucketOf(someUser, nb);
    const field = Buffer.alloc(8);
    field.writeBigUInt64BE(BigInt(someUser));
    // Shrinking a member (and its user) below 64 bytes leaves no stale tail behind.
    const shrunk = { guild_id: guildId, user: { id: someUser, username: 'u' }, roles: [] };
    expect(await admin.hexists(keys.memberTails(guildId, b), field)).toBe(1);
    await cache.apply([mutation.set('member', shrunk as never)]);
    expect(await admin.hexists(keys.memberTails(guildId, b), field)).toBe(0);
    expect(await admin.hexists(keys.userTails(bucketOf(someUser, ubuckets)), field)).toBe(0);
    await expect(cache.getMember(guildId, someUser)).resolves.toEqual(shrunk);
    await cache.apply([mutation.set('member', members[0] as never)]);
    expect(await admin.hexists(keys.userTails(bucketOf(someUser, ubuckets)), field)).toBe(1);

    await cache.deleteMember(guildId, someUser);
    expect(await admin.hexists(keys.memberTails(guildId, b), field)).toBe(0);
    await cache.deleteUser(someUser);
    expect(await admin.hexists(keys.userTails(bucketOf(someUser, ubuckets)), field)).toBe(0);
    await cache.close();
  });
});
