/**
 * Index writes of one batch are grouped per index key (one script call for
 * the adds, one ZREM for the removals). Interleaved adds and removals of the
 * same message in one batch must still end as they would one by one: checked
 * against MemoryCache, the reference, through the public iterators.
 */
import { mutation, type Mutation } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { RedisCache } from '@sake/redis';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';

let next = 200_000_000_000_000_000n;
const sf = (): string => (next += 4_194_304n).toString();
const user = (): Record<string, unknown> => ({ id: sf(), username: 'u', discriminator: '0', global_name: null, avatar: null });
const singleCache = (): RedisCache => new RedisCache(inject('redisUrl'), { prefix: `sake-groups-${randomBytes(4).toString('hex')}:` });

function message(id: string, channelId: string, guildId: string): Record<string, unknown> {
  return { id, channel_id: channelId, guild_id: guildId, author: user(), content: `m${id}` };
}

async function ids(iter: AsyncIterable<{ id: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const m of iter) out.push(m.id);
  return out.sort();
}

describe('grouped index writes keep batch order', () => {
  let cache: RedisCache | undefined;
  afterEach(async () => cache?.close());

  it('set, delete and set again of the same messages in one batch index exactly what MemoryCache holds', async () => {
    cache = singleCache();
    await cache.open();
    const memory = new MemoryCache();
    await memory.open();
    const guildId = sf();
    const [c1, c2] = [sf(), sf()];
    const [a, b, c, d] = [sf(), sf(), sf(), sf()];
    const set = (id: string, channelId: string): Mutation => mutation.set('message', message(id, channelId, guildId) as never, { channelLimit: 3 });
    const del = (id: string): Mutation => mutation.delete('message', { messageId: id });
    const batch: Mutation[] = [set(a, c1), set(b, c1), del(a), set(c, c1), set(a, c1), del(b), set(d, c2), del(d), set(b, c2), set(d, c1)];
    await cache.apply(batch);
    await memory.apply(batch);
    for (const channelId of [c1, c2]) {
      expect(await ids(cache.iterMessagesForChannel(channelId))).toEqual(await ids(memory.iterMessagesForChannel(channelId)));
    }
    expect(await ids(cache.iterMessagesForGuild(guildId))).toEqual(await ids(memory.iterMessagesForGuild(guildId)));
    expect(await ids(cache.iterMessages())).toEqual(await ids(memory.iterMessages()));
    // The final state, spelled out: c1 holds a, c, d (limit 3), c2 holds b.
    expect(await ids(cache.iterMessagesForChannel(c1))).toEqual([a, c, d].sort());
    expect(await ids(cache.iterMessagesForChannel(c2))).toEqual([b]);
    expect(await cache.iterMessagesForChannel(c1).len()).toBe(3);
    await memory.close();
  });

  it('random interleavings of sets and deletes over two limited channels match MemoryCache (200 seeded batches)', async () => {
    cache = singleCache();
    await cache.open();
    const memory = new MemoryCache();
    await memory.open();
    let seed = Number(process.env.SAKE_GROUPS_SEED ?? 12345);
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const guildId = sf();
      const channels = [sf(), sf()];
      const pool = Array.from({ length: 6 }, () => sf());
      const batch: Mutation[] = [];
      for (let i = 0; i < 12; i++) {
        const id = pool[rand(pool.length)]!;
        if (rand(3) === 0) batch.push(mutation.delete('message', { messageId: id }));
        else batch.push(mutation.set('message', message(id, channels[rand(2)]!, guildId) as never, { channelLimit: 3 }));
      }
      await cache.apply(batch);
      await memory.apply(batch);
      for (const channelId of channels) {
        const got = await ids(cache.iterMessagesForChannel(channelId));
        expect(got, `round ${round}, channel ${channelId}`).toEqual(await ids(memory.iterMessagesForChannel(channelId)));
      }
      expect(await ids(cache.iterMessagesForGuild(guildId)), `round ${round}`).toEqual(await ids(memory.iterMessagesForGuild(guildId)));
    }
    await memory.close();
  });
});
