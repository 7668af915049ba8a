/**
 * Guild references in the per-user guild lists (`{u:B}:mg` / `:pg`): 4-byte
 * indexes into the store's guild dictionary (`Pgd`). A cache whose copy of the
 * dictionary is behind reads it again; a reference that can't be right is
 * `InvalidDataFound` naming the entry.
 */
import { BackendError, InvalidDataFound, mutation } from '@sake/abc';
import { Keys, LAYOUT_VERSION, RedisCache } from '@sake/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketOf, id8, member, opened, redisUrl, sf, singleCache, TOPOLOGIES, uniquePrefix, user } from './helpers.js';

let admin: Redis;
beforeAll(() => {
  admin = new Redis(redisUrl());
});
afterAll(() => {
  admin.disconnect();
});

/** The sorted guild ids of a user's members, through the public API. */
async function guildsOf(cache: RedisCache, userId: string): Promise<string[]> {
  return (await cache.iterMembersForUser(userId).toArray()).map((m) => m.guild_id).sort();
}

for (const [name, make] of TOPOLOGIES) {
  describe(`guild references (${name})`, () => {
    it('a user in three guilds is found in all three by another cache, also after one membership goes', async () => {
      const prefix = uniquePrefix('gr');
      const [a, b] = await Promise.all([opened(make({ prefix })), opened(make({ prefix }))]);
      const u = user();
      const guilds = [sf(), sf(), sf()].sort();
      // b has read nothing yet: its copy of the guild dictionary is empty.
      await a.apply(guilds.map((g) => mutation.set('member', member(g, u) as never)));
      await expect(guildsOf(b, u.id as string)).resolves.toEqual(guilds);
      await b.apply([mutation.delete('member', { guildId: guilds[1]!, userId: u.id as string })]);
      await expect(guildsOf(a, u.id as string)).resolves.toEqual([guilds[0], guilds[2]]);
      await a.clearMembersForUser(u.id as string);
      await expect(guildsOf(b, u.id as string)).resolves.toEqual([]);
      await Promise.all([a.close(), b.close()]);
    });
  });
}

describe('guild references: stored bytes (single node)', () => {
  it('a new store lists guilds as 4-byte indexes into its guild dictionary', async () => {
    const cache = await opened(singleCache());
    const keys = new Keys(cache.prefix);
    expect(await admin.hget(keys.layout, 'guildRefs')).toBe('index');
    const u = user();
    const guilds = [sf(), sf(), sf()];
    await cache.apply(guilds.map((g) => mutation.set('member', member(g, u) as never)));
    const list = await admin.hgetBuffer(keys.memberGuilds(bucketOf(u.id as string, 1024)), id8(u.id as string));
    expect(list).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2]));
    expect(await admin.getBuffer(keys.guildDictionary)).toEqual(Buffer.concat(guilds.map(id8)));
    await cache.close();
  });

  it('a list entry beyond the guild dictionary, or of a broken length, is InvalidDataFound naming the entry', async () => {
    const cache = await opened(singleCache());
    const keys = new Keys(cache.prefix);
    const u = user();
    await cache.apply([mutation.set('member', member(sf(), u) as never)]);
    const listKey = keys.memberGuilds(bucketOf(u.id as string, 1024));
    for (const [what, bytes] of [
      ['an index beyond the dictionary', Buffer.from([0, 0, 0, 9])],
      ['5 bytes', Buffer.from([0, 0, 0, 0, 0])],
    ] as const) {
      await admin.hset(listKey, id8(u.id as string), bytes);
      const err = await cache
        .iterMembersForUser(u.id as string)
        .toArray()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err, what).toBeInstanceOf(InvalidDataFound);
      expect((err as Error).message, what).toContain(`${listKey}[${u.id as string}]`);
    }
    await cache.close();
  });

  it('a layout record naming an unknown kind of guild reference is refused on open, naming it', async () => {
    const prefix = uniquePrefix('gr3');
    await admin.hset(new Keys(prefix).layout, 'version', String(LAYOUT_VERSION), 'userBuckets', '1024', 'guildRefs', 'hash');
    const cache = new RedisCache(redisUrl(), { prefix });
    const err = await cache.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/unknown guildRefs "hash"/);
    expect(cache.isAlive).toBe(false);
  });
});

describe('guild lists: references are matched at their boundaries (single node)', () => {
  it('bytes of a reference spanning two others are not that reference: M+ appends it, M- leaves the list as it is', async () => {
    const cache = await opened(singleCache());
    const keys = new Keys(cache.prefix);
    const u = sf();
    const bucket = bucketOf(u, 1024);
    const mg = `${keys.users(bucket).slice(0, -2)}:mg`;
    const list = Buffer.from([0, 0, 0, 1, 2, 0, 0, 0]);
    const spanning = Buffer.from([0, 0, 1, 2]);
    await admin.hset(mg, id8(u), list);
    const run = (op: string): Promise<unknown> =>
      (cache.client as unknown as { sakeUserOps(k: string, a: unknown[]): Promise<unknown> }).sakeUserOps(keys.users(bucket), [
        String(Date.now()),
        '0',
        '4',
        op,
        spanning,
        '1',
        id8(u),
      ]);
    await run('M-');
    expect(await admin.hgetBuffer(mg, id8(u))).toEqual(list);
    await run('M+');
    expect(await admin.hgetBuffer(mg, id8(u))).toEqual(Buffer.concat([list, spanning]));
    await run('M+');
    expect(await admin.hgetBuffer(mg, id8(u))).toEqual(Buffer.concat([list, spanning]));
    await run('M-');
    expect(await admin.hgetBuffer(mg, id8(u))).toEqual(list);
    await cache.close();
  });

  describe('many list ops in one call leave the lists one call per op leaves (a bot in every guild of a shared batch)', () => {
    const ref = (n: number): Buffer => Buffer.from([0, 0, n >> 8, n & 255]);
    const users = [sf(), sf(), sf()].map(id8);
    const bot = users[0]!;
    /** The bot's stored member list: references 0–39 (searched often enough in one call to get a set). */
    const initial = {
      mg: [bot, Buffer.concat(Array.from({ length: 40 }, (_, i) => ref(i))), users[1]!, ref(45)],
      pg: [bot, Buffer.concat([ref(1), ref(2)])],
    };
    const op = (name: string, n: number, ...who: number[]): unknown[] => [name, ref(n), String(who.length), Buffer.concat(who.map((u) => users[u]!))];

    /** Run `ops` as one call on one bucket and one call per op on another (same stored lists first); both must end alike. */
    async function compare(ops: unknown[][]): Promise<{ users: string; mg: string; pg: string; orph: string }> {
      const cache = await opened(singleCache());
      const keys = new Keys(cache.prefix);
      const client = cache.client as unknown as { sakeUserOps(k: string, a: unknown[]): Promise<unknown> };
      const hashes = [1, 2].map((bucket) => {
        const tag = keys.users(bucket).slice(0, -2);
        return { users: keys.users(bucket), mg: `${tag}:mg`, pg: `${tag}:pg`, orph: `${tag}:orph` };
      });
      for (const at of hashes) {
        await admin.hset(at.mg, ...initial.mg);
        await admin.hset(at.pg, ...initial.pg);
        // Stored users, so one no list refers to any more goes on the orphan schedule (a 60 s TTL, at a fixed now).
        for (const u of users) await admin.hset(at.users, u, 'x');
      }
      const call = (bucket: number, args: unknown[]): Promise<unknown> =>
        client.sakeUserOps(keys.users(bucket), ['1000', '60000', String(args.length), ...args]);
      await call(1, ops.flat());
      for (const o of ops) await call(2, o);
      for (const hash of ['mg', 'pg'] as const) {
        expect(await admin.hgetallBuffer(hashes[0]![hash]), hash).toEqual(await admin.hgetallBuffer(hashes[1]![hash]));
      }
      const [together, oneByOne] = await Promise.all(hashes.map((at) => admin.zrangeBuffer(at.orph, 0, -1, 'WITHSCORES')));
      expect(together).toEqual(oneByOne);
      await cache.close();
      return hashes[0]!;
    }

    it('a reference the bot holds, after its list got a set: not added twice; removed and added again: at the end', async () => {
      const ops = Array.from({ length: 20 }, (_, i) => op('M+', 100 + i, 0));
      await compare([...ops, op('M+', 39, 0), op('M+', 0, 0), op('M-', 5, 0), op('M+', 5, 0), op('M-', 39, 0), op('M+', 39, 0, 0)]);
    });

    it('a list emptied is deleted (its user scheduled as an orphan); an added reference removed again leaves the others in order', async () => {
      const at = await compare([op('M-', 45, 1), op('M+', 50, 2), op('M+', 51, 2), op('M+', 52, 2), op('M-', 51, 2), op('P+', 3, 1), op('P-', 3, 1)]);
      expect(await admin.hexists(at.mg, users[1]!)).toBe(0);
      expect(await admin.hexists(at.pg, users[1]!)).toBe(0);
      expect(await admin.zscore(at.orph, users[1]!)).toBe('61000');
      expect(await admin.hgetBuffer(at.mg, users[2]!)).toEqual(Buffer.concat([ref(50), ref(52)]));
    });

    it('a dropped hash (MX/PX) takes the edits before it, not those after it', async () => {
      await compare([op('M+', 60, 0, 1), op('P+', 61, 0), ['MX', '0'], op('M+', 62, 0), op('M-', 60, 0), ['PX', '0'], op('P+', 63, 1)]);
      // users[2], listed by an edit of this call only, then dropped by MX: an orphan, as one call per op leaves it.
      const at = await compare([op('M+', 70, 2), ['MX', '0']]);
      expect(await admin.zscore(at.orph, users[2]!)).toBe('61000');
    });

    it('random sequences agree', async () => {
      let seed = 12345;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      for (let round = 0; round < 12; round++) {
        const ops: unknown[][] = [];
        for (let k = 0; k < 150; k++) {
          const roll = random(60);
          if (roll === 0) ops.push([random(2) === 0 ? 'MX' : 'PX', '0']);
          else {
            const who = [0, 1, 2, 0].filter(() => random(3) > 0);
            // References 0–49: the bot's 40 stored ones and a few new; users repeat within an op.
            if (who.length > 0) ops.push(op(['M+', 'M-', 'P+', 'P-'][roll % 4]!, random(50), ...who));
          }
        }
        await compare(ops);
      }
    });
  });

  it('a user in 3 000 guilds (a bot) joins and leaves one more by its list, however long', async () => {
    const cache = await opened(singleCache());
    const u = user();
    const guilds = Array.from({ length: 3_000 }, () => sf());
    for (let i = 0; i < guilds.length; i += 500) await cache.apply(guilds.slice(i, i + 500).map((g) => mutation.set('member', member(g, u) as never)));
    const more = sf();
    await cache.apply([mutation.set('member', member(more, u) as never), mutation.delete('member', { guildId: guilds[1_234]!, userId: u.id as string })]);
    const found = await guildsOf(cache, u.id as string);
    expect(found).toHaveLength(3_000);
    expect(found).toEqual([...guilds.filter((_, i) => i !== 1_234), more].sort());
    await cache.close();
  });
});
