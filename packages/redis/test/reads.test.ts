/**
 * The member read paths (packed replies of scripts/includes/packed-member.lua, the
 * plain-HGET lone read, coalesced reads, windowed iteration) on a single node
 * and a cluster: very long records (the long header form), split heads whose
 * tail is gone, a missing user, and a value of the wrong Redis type under a
 * member bucket. No timings.
 */
import { EntryNotFound, InvalidDataFound, mutation } from '@sake/abc';
import { Keys, type RedisCache } from '@sake/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { bucketOf, id8, member, redisUrl, sf, TOPOLOGIES, user } from './helpers.js';

let admin: Redis;
beforeAll(() => {
  admin = new Redis(redisUrl());
});
afterAll(() => {
  admin.disconnect();
});

const byUser = (list: ReadonlyArray<Record<string, unknown>>): Map<string, Record<string, unknown>> =>
  new Map(list.map((m) => [(m.user as { id: string }).id, m]));

/** Store a guild with `members` in `cache`; returns its key helper and the store's user bucket count. */
async function storeGuild(cache: RedisCache, guildId: string, members: readonly Record<string, unknown>[]): Promise<{ keys: Keys; userBuckets: number }> {
  await cache.apply([
    mutation.set('guild', { id: guildId, name: 'G', member_count: members.length } as never),
    mutation.replaceForGuild('member', guildId, members as never),
  ]);
  const keys = new Keys(cache.prefix);
  return { keys, userBuckets: Number(await cache.client.hget(keys.layout, 'userBuckets')) };
}

/** Run `body` on a fresh open cache, closing it afterwards whatever happens. */
async function withCache(make: () => RedisCache, body: (cache: RedisCache) => Promise<void>): Promise<void> {
  const cache = make();
  await cache.open();
  try {
    await body(cache);
  } finally {
    await cache.close();
  }
}

for (const [name, make] of TOPOLOGIES) {
  describe(`member reads (${name})`, () => {
    it('return members whose member or user record is longer than 64 KiB, alone, together and iterated', async () => {
      await withCache(make, async (cache) => {
        const guildId = sf();
        const bigUser = member(guildId, user(sf(), { bio: 'b'.repeat(70_000) }));
        const bigMember = member(guildId, user(), { note: 'n'.repeat(70_000) });
        const both = member(guildId, user(sf(), { bio: 'é'.repeat(40_000) }), { note: '✨'.repeat(20_000) });
        const small = Array.from({ length: 40 }, () => member(guildId));
        const all = [bigUser, bigMember, both, ...small];
        await storeGuild(cache, guildId, all);
        for (const m of all) await expect(cache.getMember(guildId, (m.user as { id: string }).id)).resolves.toEqual(m);
        const together = await Promise.all(all.map((m) => cache.getMember(guildId, (m.user as { id: string }).id)));
        expect(together).toEqual(all);
        expect(byUser((await cache.iterMembersForGuild(guildId).toArray()) as never)).toEqual(byUser(all));
        let seen = 0;
        for await (const m of cache.iterMembersForGuild(guildId)) {
          expect(m.guild_id).toBe(guildId);
          seen++;
        }
        expect(seen).toBe(all.length);
        await expect(cache.getMember(guildId, sf())).rejects.toBeInstanceOf(EntryNotFound);
      });
    });

    it('a member whose user is gone answers with a user carrying only its id, alone, together and iterated', async () => {
      await withCache(make, async (cache) => {
        const guildId = sf();
        const members = Array.from({ length: 5 }, () => member(guildId));
        const { keys, userBuckets } = await storeGuild(cache, guildId, members);
        const gone = (members[0]!.user as { id: string }).id;
        await cache.client.hdel(keys.users(bucketOf(gone, userBuckets)), id8(gone));
        const expected = { ...members[0]!, user: { id: gone } };
        await expect(cache.getMember(guildId, gone)).resolves.toEqual(expected);
        const together = await Promise.all(members.map((m) => cache.getMember(guildId, (m.user as { id: string }).id)));
        expect(together[0]).toEqual(expected);
        expect(byUser((await cache.iterMembersForGuild(guildId).toArray()) as never).get(gone)).toEqual(expected);
      });
    });

    it('a split head whose tail is missing is InvalidDataFound naming the entry, alone, together and iterated', async () => {
      await withCache(make, async (cache) => {
        const guildId = sf();
        const members = Array.from({ length: 5 }, () => member(guildId));
        const { keys, userBuckets } = await storeGuild(cache, guildId, members);
        const memberBuckets = Number(await cache.client.hget(keys.guildMeta(guildId), 'mb'));
        const [a, b] = members.map((m) => (m.user as { id: string }).id);
        const head = Buffer.alloc(64, 1);
        head[0] = 0xff;
        // a: the user's head is marked split and has no tail; b: the member's.
        await cache.client.hset(keys.users(bucketOf(a!, userBuckets)), id8(a!), head);
        await cache.client.hdel(keys.userTails(bucketOf(a!, userBuckets)), id8(a!));
        const bKey = keys.memberBucket(guildId, bucketOf(b!, memberBuckets));
        await cache.client.hset(bKey, id8(b!), head);
        await cache.client.hdel(`${bKey}:t`, id8(b!));
        const userWhere = `${keys.users(bucketOf(a!, userBuckets))}[${a}]`;
        const memberWhere = `${bKey}[${b}]`;
        for (const [id, where] of [
          [a!, userWhere],
          [b!, memberWhere],
        ] as const) {
          const alone = await cache.getMember(guildId, id).catch((e: unknown) => e);
          expect(alone).toBeInstanceOf(InvalidDataFound);
          expect((alone as Error).message).toContain(where);
          const together = await Promise.all([cache.getMember(guildId, id), cache.getMember(guildId, (members[4]!.user as { id: string }).id)]).catch(
            (e: unknown) => e,
          );
          expect(together).toBeInstanceOf(InvalidDataFound);
          expect((together as Error).message).toContain(where);
        }
        const iterated = await cache
          .iterMembersForGuild(guildId)
          .toArray()
          .catch((e: unknown) => e);
        expect(iterated).toBeInstanceOf(InvalidDataFound);
      });
    });

    it('a value of the wrong Redis type under a member bucket is InvalidDataFound naming that key, iterated and read', async () => {
      await withCache(make, async (cache) => {
        const guildId = sf();
        const members = Array.from({ length: 200 }, () => member(guildId));
        const { keys } = await storeGuild(cache, guildId, members);
        const memberBuckets = Number(await cache.client.hget(keys.guildMeta(guildId), 'mb'));
        const key = keys.memberBucket(guildId, memberBuckets - 1);
        await cache.client.del(key);
        await cache.client.set(key, 'not a hash');
        const err = await cache
          .iterMembersForGuild(guildId)
          .toArray()
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidDataFound);
        expect((err as Error).message).toContain(key);
        // Point reads of a member in that bucket, alone and together with others, name it too.
        const inIt = members.map((m) => (m.user as { id: string }).id).find((id) => bucketOf(id, memberBuckets) === memberBuckets - 1);
        expect(inIt).toBeDefined();
        for (const read of [
          () => cache.getMember(guildId, inIt!),
          () => Promise.all(members.map((m) => cache.getMember(guildId, (m.user as { id: string }).id))),
        ]) {
          const e = await read().catch((x: unknown) => x);
          expect(e).toBeInstanceOf(InvalidDataFound);
          expect((e as Error).message).toContain(key);
        }
      });
    });

    it('a channel, role or emoji read through its locator: found, absent, and a wrong Redis type under either key named', async () => {
      await withCache(make, async (cache) => {
        const [guildId, channelId, roleId] = [sf(), sf(), sf()];
        await cache.apply([
          mutation.set('guild', { id: guildId, name: 'G' } as never),
          mutation.set('channel', { id: channelId, guild_id: guildId, type: 0, name: 'general', position: 0 }),
          mutation.set('role', { id: roleId, guild_id: guildId, name: 'mod', color: 0, position: 1, permissions: '8' } as never),
        ]);
        expect((await cache.getGuildChannel(channelId)).name).toBe('general');
        expect((await cache.getRole(roleId)).name).toBe('mod');
        await expect(cache.getEmoji(sf())).rejects.toBeInstanceOf(EntryNotFound);
        const keys = new Keys(cache.prefix);
        // The guild's role hash holding another type: the role read names it.
        const roles = keys.guildChild(guildId, 'role');
        await cache.client.del(roles);
        await cache.client.set(roles, 'not a hash');
        const roleError = await cache.getRole(roleId).catch((e: unknown) => e);
        expect(roleError).toBeInstanceOf(InvalidDataFound);
        expect((roleError as Error).message).toContain(roles);
        // The channel locator holding another type: the channel read names it.
        const locator = keys.locator('channel');
        await cache.client.del(locator);
        await cache.client.set(locator, 'not a hash');
        const channelError = await cache.getGuildChannel(channelId).catch((e: unknown) => e);
        expect(channelError).toBeInstanceOf(InvalidDataFound);
        expect((channelError as Error).message).toContain(locator);
        await cache.client.del(locator);
        await cache.client.del(roles);
      });
    });

    it('stopping an iteration early stops it cleanly, and a new pass starts over', async () => {
      await withCache(make, async (cache) => {
        const guildId = sf();
        const members = Array.from({ length: 300 }, () => member(guildId));
        await storeGuild(cache, guildId, members);
        const it = cache.iterMembersForGuild(guildId);
        let n = 0;
        for await (const _ of it) if (++n === 10) break;
        expect(n).toBe(10);
        await expect(it.toArray()).resolves.toHaveLength(300);
        await expect(it.len()).resolves.toBe(300);
      });
    });
  });
}
