/**
 * Reading many messages at once (iteration and scoped clears): one MGET per
 * 512 keys on a single node, per-key GETs on a cluster; a key of another Redis
 * type (which MGET answers as nil) is still `InvalidDataFound` naming it.
 */
import { InvalidDataFound, mutation } from '@sake/abc';
import { Keys, type RedisCache } from '@sake/redis';
import { describe, expect, it } from 'vitest';
import { sf, singleCache, TOPOLOGIES, user } from './helpers.js';

function message(channelId: string, guildId: string): Record<string, unknown> {
  return { id: sf(), channel_id: channelId, guild_id: guildId, author: user(), content: `hello ${sf()}` };
}

const byId = (list: ReadonlyArray<Record<string, unknown>>): Map<unknown, Record<string, unknown>> => new Map(list.map((m) => [m.id, m]));

for (const [name, make] of TOPOLOGIES) {
  describe(`many messages (${name})`, () => {
    it('iterates 700 messages of a channel (two MGETs) exactly, and a channel clear removes them and their index entries', async () => {
      const cache: RedisCache = make();
      await cache.open();
      const [g, c, other] = [sf(), sf(), sf()];
      const messages = Array.from({ length: 700 }, () => message(c, g));
      const kept = message(other, g);
      await cache.apply([...messages, kept].map((m) => mutation.set('message', m as never)));
      const read = await cache.iterMessagesForChannel(c).toArray();
      expect(read).toHaveLength(700);
      expect(byId(read as never)).toEqual(byId(messages));
      await cache.clearMessagesForChannel(c);
      await expect(cache.iterMessagesForChannel(c).toArray()).resolves.toEqual([]);
      await expect(cache.iterMessagesForGuild(g).toArray()).resolves.toEqual([kept]);
      expect(await cache.client.exists(new Keys(cache.prefix).message(messages[0]!.id as string))).toBe(0);
      await cache.close();
    });
  });
}

describe('many messages: a foreign value (single node)', () => {
  it('a message key holding another Redis type is InvalidDataFound naming it, when iterated and when its channel is cleared', async () => {
    const cache = singleCache();
    await cache.open();
    const [g, c] = [sf(), sf()];
    const messages = Array.from({ length: 5 }, () => message(c, g));
    await cache.apply(messages.map((m) => mutation.set('message', m as never)));
    const key = new Keys(cache.prefix).message(messages[2]!.id as string);
    await cache.client.del(key);
    await cache.client.hset(key, 'not', 'a message');
    const iterated = await cache
      .iterMessagesForChannel(c)
      .toArray()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(iterated).toBeInstanceOf(InvalidDataFound);
    expect((iterated as Error).message).toContain(key);
    const cleared = await cache.clearMessagesForChannel(c).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(cleared).toBeInstanceOf(InvalidDataFound);
    expect((cleared as Error).message).toContain(key);
    await cache.close();
  });
});
