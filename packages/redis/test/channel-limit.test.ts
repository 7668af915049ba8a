/**
 * A channel limit's eviction on a single node happens inside the channel
 * index's script call: the evicted message leaves its key, the all/guild/author
 * indexes, and its author goes on the orphan schedule when nothing else refers
 * to it — with no read of the evicted message from the client (MONITOR shows no
 * GET/ZSCORE of it) and no second write wave. A message the batch itself adds
 * and the limit evicts at once still goes the caller's way, with the same
 * result; so does a stored record the script can't read.
 */
import { EntryNotFound } from '@sake/errors';
import { mutation } from '@sake/abc';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCache } from '../src/index.js';
import { bucketOf, Keys } from '../src/keys.js';
import { idBytes } from '../src/codec/ids.js';
import { commandsDuring, isScriptCall, redisUrl, uniquePrefix } from './helpers.js';

let next = 1_191_000_000_000_000_000n;
/** Increasing snowflakes: later messages have larger ids, as on Discord. */
function sf(): string {
  next += 1_000_003n;
  return String(next);
}

const LIMIT = 5;
const USER_BUCKETS = 16;
const TTL = 60_000;

function message(id: string, channelId: string, guildId: string, authorId: string): Record<string, unknown> {
  return { id, channel_id: channelId, guild_id: guildId, author: { id: authorId, username: `u${authorId.slice(-4)}` }, content: id };
}

describe('channel limit on a single node', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(redisUrl());
  });
  afterAll(() => {
    admin.disconnect();
  });

  async function filled(): Promise<{ cache: RedisCache; keys: Keys; prefix: string; channel: string; guild: string; ids: string[]; authors: string[] }> {
    const prefix = uniquePrefix('climit');
    const cache = new RedisCache(redisUrl(), { prefix, userBuckets: USER_BUCKETS, userTtlMs: TTL, sweepIntervalMs: 0 });
    await cache.open();
    const [channel, guild] = [sf(), sf()];
    const authors = Array.from({ length: LIMIT }, () => sf());
    const ids = authors.map(() => sf());
    // Cached users with one message each (no expiry: not on the orphan schedule); evicting it
    // leaves its author referenced by nothing.
    await cache.apply([
      ...authors.map((id) => mutation.set('user', { id, username: `u${id.slice(-4)}` } as never)),
      ...ids.map((id, i) => mutation.set('message', message(id, channel, guild, authors[i]!) as never, { channelLimit: LIMIT })),
    ]);
    return { cache, keys: new Keys(prefix), prefix, channel, guild, ids, authors };
  }

  it('evicts in the index call: no read of the evicted message, its indexes and author list cleaned, its author scheduled', async () => {
    const { cache, keys, prefix, channel, guild, ids, authors } = await filled();
    const newer = sf();
    const newAuthor = authors[1]!;
    const seen = await commandsDuring(admin, prefix, () =>
      cache.apply([mutation.set('message', message(newer, channel, guild, newAuthor) as never, { channelLimit: LIMIT })]),
    );
    const evictedKey = keys.message(ids[0]!);
    expect(seen.filter((args) => args.includes(evictedKey) || args[0]!.toLowerCase() === 'zscore')).toEqual([]);
    // One wave: no command after the first script reply depends on it (the old path read the evicted message).
    expect(seen.every((args) => isScriptCall(args) || ['sadd', 'script'].includes(args[0]!.toLowerCase()))).toBe(true);

    await expect(cache.getMessage(ids[0]!)).rejects.toBeInstanceOf(EntryNotFound);
    const expected = [...ids.slice(1), newer].sort();
    expect((await cache.iterMessagesForChannel(channel).toArray()).map((m) => m.id).sort()).toEqual(expected);
    expect((await cache.iterMessagesForGuild(guild).toArray()).map((m) => m.id).sort()).toEqual(expected);
    expect((await cache.iterMessages().toArray()).map((m) => m.id).sort()).toEqual(expected);
    expect(await cache.iterMessagesForAuthor(authors[0]!).toArray()).toEqual([]);
    expect((await cache.iterMessagesForAuthor(newAuthor).toArray()).map((m) => m.id).sort()).toEqual([ids[1]!, newer].sort());

    const bucket = bucketOf(authors[0]!, USER_BUCKETS);
    const deadline = Number(await admin.zscore(keys.orphans(bucket), idBytes(authors[0]!)));
    expect(deadline).toBeGreaterThan(Date.now() + TTL - 10_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + TTL);
    // The other authors still have their message: not scheduled.
    expect(await admin.zscore(keys.orphans(bucketOf(authors[2]!, USER_BUCKETS)), idBytes(authors[2]!))).toBeNull();
    await cache.close();
  });

  it('a message the batch adds and the limit evicts at once is deleted everywhere too', async () => {
    const { cache, channel, guild, ids } = await filled();
    // Older than everything stored: the limit evicts it in the call that adds it.
    const older = String(BigInt(ids[0]!) - 7n);
    const author = sf();
    await cache.apply([mutation.set('message', message(older, channel, guild, author) as never, { channelLimit: LIMIT })]);
    await expect(cache.getMessage(older)).rejects.toBeInstanceOf(EntryNotFound);
    expect(await cache.iterMessagesForAuthor(author).toArray()).toEqual([]);
    expect(await cache.iterMessagesForGuild(guild).len()).toBe(LIMIT);
    expect((await cache.iterMessagesForChannel(channel).toArray()).map((m) => m.id).sort()).toEqual([...ids].sort());
    await cache.close();
  });

  it('a message the batch adds, the limit evicts, and the batch then moves to another channel stays, in that channel only', async () => {
    const { cache, prefix, channel, guild, ids } = await filled();
    const older = String(BigInt(ids[0]!) - 7n);
    const [elsewhere, author] = [sf(), sf()];
    // Many such messages in one batch: the evicted ones are looked up together, not one by one.
    const olders = Array.from({ length: 40 }, (_, k) => String(BigInt(older) - BigInt(k)));
    const seen = await commandsDuring(admin, prefix, () =>
      cache.apply([
        ...olders.map((id) => mutation.set('message', message(id, channel, guild, author) as never, { channelLimit: LIMIT })),
        ...olders.slice(0, 20).map((id) => mutation.set('message', message(id, elsewhere, guild, author) as never, { channelLimit: LIMIT })),
      ]),
    );
    const named = (name: string): number => seen.filter((args) => args[0]!.toLowerCase() === name).length;
    expect([named('get'), named('zscore')]).toEqual([0, 0]);
    expect(named('mget')).toBeLessThanOrEqual(1);
    expect(named('zmscore')).toBeLessThanOrEqual(2);
    expect((await cache.getMessage(older)).channel_id).toBe(elsewhere);
    await expect(cache.getMessage(olders[39]!)).rejects.toBeInstanceOf(EntryNotFound);
    // The second channel holds the largest ids of the 20 moved, up to its limit; the first is as it was.
    expect((await cache.iterMessagesForChannel(elsewhere).toArray()).map((m) => m.id).sort()).toEqual(olders.slice(0, LIMIT).sort());
    expect((await cache.iterMessagesForChannel(channel).toArray()).map((m) => m.id).sort()).toEqual([...ids].sort());
    expect((await cache.iterMessagesForAuthor(author).toArray()).map((m) => m.id).sort()).toEqual(olders.slice(0, LIMIT).sort());
    await cache.close();
  });

  it('sends a batch’s index writes over many channels, adds and removals, as one call', async () => {
    const { cache, prefix, channel, guild, ids } = await filled();
    const channels = Array.from({ length: 6 }, () => sf());
    const author = sf();
    const seen = await commandsDuring(admin, prefix, () =>
      cache.apply([
        ...channels.flatMap((c) => [sf(), sf()].map((id) => mutation.set('message', message(id, c, guild, author) as never, { channelLimit: LIMIT }))),
        mutation.delete('message', { messageId: ids[1]! }),
        mutation.set('message', message(sf(), channel, guild, author) as never, { channelLimit: LIMIT }),
      ]),
    );
    // The whole batch, values and indexes, is one script call (the op stream's).
    expect(seen.filter(isScriptCall)).toHaveLength(1);
    expect(seen.filter((args) => ['zadd', 'zrem', 'zremrangebyscore'].includes(args[0]!.toLowerCase()))).toEqual([]);
    for (const c of channels) expect(await cache.iterMessagesForChannel(c).len()).toBe(2);
    expect((await cache.iterMessagesForChannel(channel).toArray()).map((m) => m.id)).not.toContain(ids[1]);
    expect(await cache.iterMessagesForChannel(channel).len()).toBe(LIMIT);
    await cache.close();
  });

  it('a batch that fills two channels and then edits what they evicted finds those messages gone (no old value)', async () => {
    const { cache, channel, guild, ids } = await filled();
    // A second full channel in the same cache.
    const other = sf();
    const otherIds = Array.from({ length: LIMIT }, () => sf());
    await cache.apply(otherIds.map((id) => mutation.set('message', message(id, other, guild, sf()) as never, { channelLimit: LIMIT })));
    const [newer, otherNewer] = [sf(), sf()];
    const result = await cache.apply(
      [
        mutation.set('message', message(newer, channel, guild, sf()) as never, { channelLimit: LIMIT }),
        mutation.set('message', message(otherNewer, other, guild, sf()) as never, { channelLimit: LIMIT }),
        mutation.merge('message', { messageId: ids[0]! }, { content: 'edited' }),
        mutation.merge('message', { messageId: otherIds[0]! }, { content: 'edited' }),
      ],
      { old: [2, 3] },
    );
    // What a confirmed MESSAGE_UPDATE handler gets: nothing cached any more when the edit came.
    expect(result?.old).toEqual([undefined, undefined]);
    // Each channel keeps its newest LIMIT; the edits found their messages evicted and did nothing (MemoryCache's semantics).
    const idsIn = async (c: string): Promise<string[]> => (await cache.iterMessagesForChannel(c).toArray()).map((m) => m.id).sort();
    expect(await idsIn(channel)).toEqual([...ids.slice(1), newer].sort());
    expect(await idsIn(other)).toEqual([...otherIds.slice(1), otherNewer].sort());
    await expect(cache.getMessage(ids[0]!)).rejects.toBeInstanceOf(EntryNotFound);
    await expect(cache.getMessage(otherIds[0]!)).rejects.toBeInstanceOf(EntryNotFound);
    await cache.close();
  });

  it('a stored message whose record the script cannot read is evicted the caller’s way', async () => {
    const { cache, keys, channel, guild, ids, authors } = await filled();
    await admin.set(keys.message(ids[0]!), 'not a record');
    await cache.apply([mutation.set('message', message(sf(), channel, guild, authors[3]!) as never, { channelLimit: LIMIT })]);
    await expect(cache.getMessage(ids[0]!)).rejects.toBeInstanceOf(EntryNotFound);
    expect(await admin.exists(keys.message(ids[0]!))).toBe(0);
    expect(await admin.zscore(keys.allMessages, ids[0]!)).toBeNull();
    expect(await cache.iterMessagesForChannel(channel).len()).toBe(LIMIT);
    await cache.close();
  });
});
