/**
 * Reading many messages at once (iteration and scoped clears): one MGET per
 * 512 keys on a single node, per-key GETs on a cluster; a key of another Redis
 * type (which MGET answers as nil) is still `InvalidDataFound` naming it. The
 * same for the messages a batch edits or reacts to (one `sakeReadExpiring`
 * call on a single node), whose expiry the rewrite keeps.
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

    it('edits and reacts to 600 messages in one batch, each keeping its own expiry', async () => {
      const cache: RedisCache = make();
      await cache.open();
      const [g, c] = [sf(), sf()];
      const messages = Array.from({ length: 600 }, () => message(c, g));
      // Half expire (each at its own time), half never do.
      await cache.apply(messages.map((m, i) => mutation.set('message', m as never, i % 2 === 0 ? { ttlMs: 600_000 + i * 1000 } : {})));
      const keys = new Keys(cache.prefix);
      const ttlBefore = await Promise.all(messages.map((m) => cache.client.pttl(keys.message(m.id as string))));
      const emoji = { id: null, name: '👍' };
      await cache.apply(
        messages.flatMap((m) => [
          mutation.merge('message', { messageId: m.id as string }, { content: `edited ${m.id as string}` }),
          mutation.react(m.id as string, { op: 'add', emoji, me: false, burst: false }),
        ]),
      );
      const read = byId((await cache.iterMessagesForChannel(c).toArray()) as never);
      for (const m of messages) {
        const got = read.get(m.id)!;
        expect(got.content).toBe(`edited ${m.id as string}`);
        expect((got.reactions as Array<{ count: number }>)[0]!.count).toBe(1);
      }
      const ttlAfter = await Promise.all(messages.map((m) => cache.client.pttl(keys.message(m.id as string))));
      ttlAfter.forEach((after, i) => {
        if (i % 2 === 1) expect(after).toBe(-1);
        // Within the test's own run time of what it had.
        else expect(Math.abs(after - ttlBefore[i]!)).toBeLessThan(5_000);
      });
      await cache.close();
    });
  });
}

/** Five messages of one channel on a single node, the third's key then holding a hash instead. */
async function foreignMessage(): Promise<{ cache: RedisCache; c: string; messages: Array<Record<string, unknown>>; key: string }> {
  const cache = singleCache();
  await cache.open();
  const [g, c] = [sf(), sf()];
  const messages = Array.from({ length: 5 }, () => message(c, g));
  await cache.apply(messages.map((m) => mutation.set('message', m as never)));
  const key = new Keys(cache.prefix).message(messages[2]!.id as string);
  await cache.client.del(key);
  await cache.client.hset(key, 'not', 'a message');
  return { cache, c, messages, key };
}

describe('many messages: a foreign value (single node)', () => {
  it('a message key holding another Redis type is InvalidDataFound naming it, when iterated and when its channel is cleared', async () => {
    const { cache, c, key } = await foreignMessage();
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

  it('a batch editing a message whose key holds another Redis type fails naming it, and writes nothing', async () => {
    const { cache, messages, key } = await foreignMessage();
    const failed = await cache.apply(messages.map((m) => mutation.merge('message', { messageId: m.id as string }, { content: 'edited' }))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(InvalidDataFound);
    expect((failed as Error).message).toContain(key);
    expect((await cache.getMessage(messages[0]!.id as string)).content).toBe(messages[0]!.content);
    await cache.close();
  });
});
