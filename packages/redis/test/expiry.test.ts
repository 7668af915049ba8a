/** No unbounded growth: orphan users, message limits and TTLs, invite TTLs. */
import { EntryNotFound, mutation } from '@sake/abc';
import { Keys, RedisCache } from '@sake/redis';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { member, redisUrl, sf, uniquePrefix, user } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function keyCount(admin: Redis, prefix: string): Promise<number> {
  let n = 0;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

describe('expiry', () => {
  it('a user no member refers to expires after userTtlMs and is physically swept; a referenced one stays', async () => {
    const prefix = uniquePrefix('orph');
    const cache = new RedisCache(redisUrl(), { prefix, userTtlMs: 150, sweepIntervalMs: 0 });
    await cache.open();
    const g = sf();
    const kept = member(g);
    const leaving = member(g);
    const leavingId = (leaving.user as { id: string }).id;
    const loner = user();
    await cache.apply([mutation.replaceForGuild('member', g, [kept, leaving] as never), mutation.set('user', loner as never)]);
    await cache.apply([mutation.delete('member', { guildId: g, userId: leavingId })]);
    expect((await cache.getUser(leavingId)).id).toBe(leavingId);
    await sleep(250);
    await expect(cache.getUser(leavingId)).rejects.toBeInstanceOf(EntryNotFound);
    await expect(cache.getUser(loner.id as string)).rejects.toBeInstanceOf(EntryNotFound);
    expect((await cache.getUser((kept.user as { id: string }).id)).id).toBe((kept.user as { id: string }).id);
    expect(await cache.sweepOrphanUsers()).toBe(2);
    expect(await cache.iterUsers().len()).toBe(1);
    await cache.close();
  });

  it('a user kept alive by a message expires after the message does', async () => {
    const cache = new RedisCache(redisUrl(), { prefix: uniquePrefix('auth'), userTtlMs: 100, sweepIntervalMs: 0 });
    await cache.open();
    const author = user();
    const msg = { id: sf(), channel_id: sf(), author, content: 'x' };
    await cache.apply([mutation.set('user', author as never), mutation.set('message', msg as never, { ttlMs: 200 })]);
    await sleep(150);
    expect((await cache.getUser(author.id as string)).id).toBe(author.id);
    await sleep(250);
    await expect(cache.getMessage(msg.id)).rejects.toBeInstanceOf(EntryNotFound);
    await expect(cache.getUser(author.id as string)).rejects.toBeInstanceOf(EntryNotFound);
    await cache.close();
  });

  it('messages: channel limit evicts the smallest ids everywhere, TTL expires keys and index entries', async () => {
    const prefix = uniquePrefix('msg');
    const admin = new Redis(redisUrl());
    const cache = new RedisCache(redisUrl(), { prefix });
    await cache.open();
    const channel = sf();
    const guild = sf();
    const author = user();
    const ids = Array.from({ length: 30 }, () => sf());
    for (const id of [...ids].reverse()) {
      await cache.apply([mutation.set('message', { id, channel_id: channel, guild_id: guild, author, content: id } as never, { channelLimit: 10 })]);
    }
    const kept = (await cache.iterMessagesForChannel(channel).toArray()).map((m) => m.id).sort();
    expect(kept).toEqual(ids.slice(-10).sort());
    expect(await cache.iterMessagesForGuild(guild).len()).toBe(10);
    expect(await cache.iterMessagesForAuthor(author.id as string).len()).toBe(10);
    expect(await cache.iterMessages().len()).toBe(10);
    await expect(cache.getMessage(ids[0]!)).rejects.toBeInstanceOf(EntryNotFound);

    const short = { id: sf(), channel_id: sf(), guild_id: guild, author, content: 'short' };
    await cache.apply([mutation.set('message', short as never, { ttlMs: 100 })]);
    const ttl = await admin.pttl(new Keys(prefix).message(short.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100);
    await sleep(150);
    await expect(cache.getMessage(short.id)).rejects.toBeInstanceOf(EntryNotFound);
    expect(await cache.iterMessagesForGuild(guild).len()).toBe(10);
    expect(await cache.iterMessagesForChannel(short.channel_id).toArray()).toEqual([]);
    await cache.clearMessages();
    await cache.clearUsers();
    const left = await keyCount(admin, prefix);
    // Only the layout record and the guild-slot set may remain.
    expect(left).toBeLessThanOrEqual(2);
    await cache.close();
    admin.disconnect();
  });

  it('invites expire with their ttlMs (the listener sets it from max_age); one without never expires', async () => {
    const prefix = uniquePrefix('inv');
    const admin = new Redis(redisUrl());
    const cache = new RedisCache(redisUrl(), { prefix });
    await cache.open();
    const guild = sf();
    await cache.apply([
      mutation.set('invite', { code: 'short1', guild_id: guild, channel_id: sf(), max_age: 1, uses: 0 } as never, { ttlMs: 1000 }),
      mutation.set('invite', { code: 'forever', guild_id: guild, channel_id: sf(), max_age: 1, uses: 0 } as never),
    ]);
    const keys = new Keys(prefix);
    expect(await admin.pttl(keys.invite('short1'))).toBeGreaterThan(0);
    expect(await admin.pttl(keys.invite('forever'))).toBe(-1);
    await sleep(1100);
    await expect(cache.getInvite('short1')).rejects.toBeInstanceOf(EntryNotFound);
    expect((await cache.iterInvitesForGuild(guild).toArray()).map((i) => i.code)).toEqual(['forever']);
    expect(await cache.iterInvites().len()).toBe(1);
    await cache.close();
    admin.disconnect();
  });
});
