/** Prefix isolation, an ACL user limited to the prefix, and the layout version check. */
import { randomBytes } from 'node:crypto';
import { BackendError } from '@sake/abc';
import { Keys, LAYOUT_VERSION, RedisCache } from '@sake/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everything } from './fixtures.js';
import { redisUrl, uniquePrefix } from './helpers.js';

const CLEARS = [
  'clearGuilds',
  'clearGuildChannels',
  'clearRoles',
  'clearEmojis',
  'clearMembers',
  'clearPresences',
  'clearVoiceStates',
  'clearMessages',
  'clearInvites',
  'clearUsers',
] as const;

async function keysUnder(admin: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

let admin: Redis;
beforeAll(() => {
  admin = new Redis(redisUrl());
});
afterAll(async () => {
  await admin.quit();
});

describe('prefix isolation', () => {
  it('writes only under its prefix, and every clear leaves foreign keys (even ones sharing a stem) alone', async () => {
    const prefix = uniquePrefix('iso');
    const stem = prefix.slice(0, -1);
    const foreign = { [`other:${stem}:x`]: 'a', [`${stem}x:guilds`]: 'b', [`${stem}`]: 'c', [`${stem}{g:1}:meta`]: 'd' };
    for (const [k, v] of Object.entries(foreign)) await admin.set(k, v);
    const before = new Set(await keysUnder(admin, '*'));
    const cache = new RedisCache(redisUrl(), { prefix });
    await cache.open();
    const data = everything();
    await cache.apply(data.batch);
    const created = (await keysUnder(admin, '*')).filter((k) => !before.has(k));
    expect(created.length).toBeGreaterThan(10);
    // Other test files share this server: only look at keys that are neither ours nor pre-existing by another prefix.
    const strays = created.filter((k) => !k.startsWith(prefix) && !k.startsWith('sake-'));
    expect(strays).toEqual([]);
    for (const clear of CLEARS) await cache[clear]();
    await cache.deleteMe();
    for (const [k, v] of Object.entries(foreign)) expect(await admin.get(k)).toBe(v);
    await expect(cache.iterMembers().len()).resolves.toBe(0);
    await expect(cache.iterMessages().len()).resolves.toBe(0);
    await cache.close();
    await admin.del(...Object.keys(foreign));
  });

  it('two prefixes on one server never see each other', async () => {
    const a = new RedisCache(redisUrl(), { prefix: uniquePrefix('a') });
    const b = new RedisCache(redisUrl(), { prefix: uniquePrefix('b') });
    await Promise.all([a.open(), b.open()]);
    const data = everything();
    await a.apply(data.batch);
    await expect(b.iterGuilds().len()).resolves.toBe(0);
    await expect(b.getMessage(data.messageId)).rejects.toThrow(/not cached/);
    await b.clearGuilds();
    await expect(a.getGuild(data.guildId)).resolves.toMatchObject({ id: data.guildId });
    await Promise.all([a.close(), b.close()]);
  });
});

describe('ACL user restricted to ~prefix*', () => {
  it('can open, write, read, iterate and clear with only key access to its prefix and no dangerous commands', async () => {
    const prefix = uniquePrefix('acl');
    const name = `sake-acl-${randomBytes(3).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await admin.call('ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, `~${prefix}*`, '+@all', '-@dangerous');
    try {
      const url = new URL(redisUrl());
      url.username = name;
      url.password = password;
      const cache = new RedisCache(url.toString(), { prefix });
      await cache.open();
      const data = everything();
      await cache.apply(data.batch);
      expect((await cache.getMember(data.guildId, data.userId)).user.id).toBe(data.userId);
      expect(await cache.iterMembersForGuild(data.guildId).len()).toBe(2);
      expect(await cache.iterMessagesForAuthor(data.userId).toArray()).toHaveLength(1);
      expect(await cache.iterUsers().len()).toBe(3);
      for (const clear of CLEARS) await cache[clear]();
      await cache.sweepOrphanUsers();
      expect(await cache.iterGuildChannels().len()).toBe(0);
      await cache.close();
      // The same user is refused outside its prefix: the restriction is real.
      const outside = new Redis({ port: Number(url.port), username: name, password });
      await expect(outside.set('other:key', '1')).rejects.toThrow(/NOPERM/);
      outside.disconnect();
    } finally {
      await admin.call('ACL', 'DELUSER', name);
    }
  });
});

describe('layout version', () => {
  it('writes the current layout on a new store', async () => {
    const prefix = uniquePrefix('lay');
    const cache = new RedisCache(redisUrl(), { prefix });
    await cache.open();
    expect(await admin.hget(new Keys(prefix).layout, 'version')).toBe(String(LAYOUT_VERSION));
    await cache.close();
  });

  it('refuses a layout it does not know (below the first)', async () => {
    const prefix = uniquePrefix('old');
    await admin.hset(new Keys(prefix).layout, 'version', '0', 'userBuckets', '1024');
    const refused = new RedisCache(redisUrl(), { prefix });
    const err = await refused.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/key layout 0, which this @sake\/redis \(layout 1\) does not know/);
    expect(refused.isAlive).toBe(false);
  });

  it('refuses a layout record of this layout whose guild lists are not indexes (an older store under the same number)', async () => {
    for (const guildRefs of [undefined, 'id']) {
      const prefix = uniquePrefix('grf');
      await admin.hset(
        new Keys(prefix).layout,
        'version',
        String(LAYOUT_VERSION),
        'userBuckets',
        '1024',
        ...(guildRefs === undefined ? [] : ['guildRefs', guildRefs]),
      );
      const refused = new RedisCache(redisUrl(), { prefix });
      const err = await refused.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(guildRefs)).toBeInstanceOf(BackendError);
      expect((err as Error).message, String(guildRefs)).toMatch(/written by an older @sake\/redis/);
      expect(refused.isAlive).toBe(false);
    }
  });

  it('refuses a newer layout', async () => {
    const prefix = uniquePrefix('new');
    await admin.hset(new Keys(prefix).layout, 'version', String(LAYOUT_VERSION + 1), 'userBuckets', '1024');
    const cache = new RedisCache(redisUrl(), { prefix });
    await expect(cache.open()).rejects.toThrow(/newer than this @sake\/redis/);
  });

  it('keeps the bucket count the store was created with', async () => {
    const prefix = uniquePrefix('bk');
    const first = new RedisCache(redisUrl(), { prefix, userBuckets: 7 });
    await first.open();
    const data = everything();
    await first.apply(data.batch);
    await first.close();
    const second = new RedisCache(redisUrl(), { prefix, userBuckets: 99 });
    await second.open();
    expect((await second.getUser(data.userId)).id).toBe(data.userId);
    expect(await second.iterUsers().len()).toBe(3);
    await second.close();
  });
});
