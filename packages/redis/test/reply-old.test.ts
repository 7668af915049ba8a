/**
 * A confirmed batch's old values of guild records, presences and voice states, and on a single node
 * of member merges and deletes, come back in the guild script's reply (apply/reply-old.ts): the
 * batch is not read first. MONITOR sees no read command, the old values are the entries as they
 * were just before each mutation (an earlier mutation of the same batch included; a member joined
 * with its user as it was), and an unreadable old value is reported after the batch is written,
 * naming its key.
 */
import { mutation } from '@sake/abc';
import { InvalidDataFound } from '@sake/errors';
import { describe, expect, it } from 'vitest';
import { idBytes } from '../src/codec/ids.js';
import { RedisCache } from '../src/index.js';
import { Keys } from '../src/keys.js';
import { commandsDuring, openedForBlock, member, redisUrl, sf, user } from './helpers.js';

/** Commands that read: none of them may come from the client during a batch whose old values the script reports. */
const READS = new Set([
  'get',
  'mget',
  'hget',
  'hmget',
  'hgetall',
  'hkeys',
  'hexists',
  'exists',
  'zscore',
  'zmscore',
  'zrange',
  'zrangebyscore',
  'smembers',
  'sismember',
  'pttl',
  'ttl',
  'strlen',
  'getrange',
  'hscan',
  'sscan',
  'scan',
]);

function presence(guildId: string, userId: string, status: string): Record<string, unknown> {
  return { guild_id: guildId, user: { id: userId }, status, activities: [], client_status: { desktop: status } };
}

function guild(id: string, name: string): Record<string, unknown> {
  return { id, name, owner_id: sf(), member_count: 3 };
}

describe('old values reported by the guild script', () => {
  const block = openedForBlock('rold');
  const { prefix } = block;

  /** Socket writes of the cache's connection while `run` runs: one per round trip (a wave's commands leave corked, in one write). */
  async function writesDuring(run: () => Promise<unknown>): Promise<number> {
    type Writer = (...args: unknown[]) => unknown;
    const stream = (block.cache.client as unknown as { stream: Record<'_write' | '_writev', Writer | undefined> }).stream;
    let writes = 0;
    const originals = { _write: stream._write, _writev: stream._writev };
    for (const method of ['_write', '_writev'] as const) {
      const original = originals[method];
      if (original)
        stream[method] = (...args: unknown[]) => {
          writes++;
          return original.apply(stream, args);
        };
    }
    try {
      await run();
    } finally {
      Object.assign(stream, originals);
    }
    return writes;
  }

  it('applies a confirmed presence update, and a confirmed member update, in one round trip each', async () => {
    const guildId = sf();
    const a = sf();
    await block.cache.apply([mutation.set('member', member(guildId, user(a)) as never), mutation.set('presence', presence(guildId, a, 'online') as never)]);
    const presenceWrites = await writesDuring(() => block.cache.apply([mutation.set('presence', presence(guildId, a, 'idle') as never)], { old: [0] }));
    const memberWrites = await writesDuring(() =>
      block.cache.apply([mutation.merge('member', { guildId, userId: a }, { nick: 'one trip', user: { id: a, username: 'x' } } as never, true)], { old: [0] }),
    );
    expect([presenceWrites, memberWrites]).toEqual([1, 1]);
  });

  /** Top-level command names (not from Lua) naming this test's prefix while `run` runs. */
  async function namesDuring(run: () => Promise<unknown>): Promise<string[]> {
    return (await commandsDuring(block.admin, prefix, run)).map((args) => args[0]!.toLowerCase());
  }

  it('answers a confirmed batch of presences, a voice state and a guild update without a read', async () => {
    const guildId = sf();
    const [a, b, c, d] = [sf(), sf(), sf(), sf()];
    const channelId = sf();
    await block.cache.apply([
      mutation.set('guild', guild(guildId, 'before') as never),
      mutation.set('presence', presence(guildId, a, 'online') as never),
      mutation.set('presence', presence(guildId, b, 'idle') as never),
      mutation.set('voiceState', { guild_id: guildId, user_id: c, channel_id: channelId, session_id: 's', deaf: false, mute: false } as never),
    ]);
    let result: Awaited<ReturnType<RedisCache['apply']>> | undefined;
    const commands = await namesDuring(async () => {
      result = await block.cache.apply(
        [
          mutation.set('presence', presence(guildId, a, 'dnd') as never),
          mutation.delete('presence', { guildId, userId: b }),
          mutation.set('guild', guild(guildId, 'after') as never),
          mutation.set('presence', presence(guildId, d, 'online') as never),
          // The same entry again: its old value is the batch's own earlier write.
          mutation.set('presence', presence(guildId, a, 'offline') as never),
          mutation.delete('voiceState', { guildId, userId: c }),
        ],
        { old: [0, 1, 2, 3, 4, 5] },
      );
    });
    expect(commands.filter((name) => READS.has(name))).toEqual([]);
    expect(commands.length).toBeGreaterThan(0);
    const old = (result as { old: unknown[] }).old;
    expect((old[0] as { status: string }).status).toBe('online');
    expect((old[1] as { status: string }).status).toBe('idle');
    expect((old[2] as { name: string }).name).toBe('before');
    expect(old[3]).toBeUndefined();
    expect((old[4] as { status: string }).status).toBe('dnd');
    expect((old[5] as { channel_id: string }).channel_id).toBe(channelId);
    expect((await block.cache.getPresence(guildId, a)).status).toBe('offline');
    expect((await block.cache.getGuild(guildId)).name).toBe('after');
  });

  it('reads first when the batch also merges the entry (the replay needs it)', async () => {
    const guildId = sf();
    const a = sf();
    await block.cache.apply([mutation.set('presence', presence(guildId, a, 'online') as never)]);
    const commands = await namesDuring(() =>
      block.cache.apply(
        [mutation.merge('presence', { guildId, userId: a }, { status: 'idle' } as never), mutation.set('presence', presence(guildId, a, 'dnd') as never)],
        { old: [1] },
      ),
    );
    expect(commands).toContain('hget');
  });

  it('writes the batch and then names the key of an old value it cannot read', async () => {
    const guildId = sf();
    const a = sf();
    const keys = new Keys(prefix);
    await block.cache.apply([mutation.set('presence', presence(guildId, a, 'online') as never)]);
    await block.admin.hset(keys.guildChild(guildId, 'presence'), idBytes(a), Buffer.from([0xc1, 0xc1, 0xc1]));
    const error = await block.cache.apply([mutation.set('presence', presence(guildId, a, 'idle') as never)], { old: [0] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDataFound);
    expect(String((error as Error).message)).toContain(keys.guildChild(guildId, 'presence'));
    expect((await block.cache.getPresence(guildId, a)).status).toBe('idle');
  });
  it('answers a confirmed member update and a member removal without a read, each member joined with its user as it was', async () => {
    const guildId = sf();
    const [a, b] = [sf(), sf()];
    // Long enough to be stored split (head and tail) on both sides.
    const long = 'x'.repeat(120);
    await block.cache.apply([
      mutation.set('member', member(guildId, user(a, { global_name: long }), { nick: 'old-a' }) as never),
      mutation.set('member', member(guildId, user(b), { nick: 'old-b' }) as never),
    ]);
    let result: Awaited<ReturnType<RedisCache['apply']>> | undefined;
    const commands = await namesDuring(async () => {
      result = await block.cache.apply(
        [
          mutation.merge('member', { guildId, userId: a }, { nick: 'new-a', user: { id: a, username: 'renamed' } } as never, true),
          mutation.delete('member', { guildId, userId: b }),
          mutation.delete('presence', { guildId, userId: b }),
        ],
        { old: [0, 1] },
      );
    });
    expect(commands.filter((name) => READS.has(name))).toEqual([]);
    const old = (result as { old: Array<{ nick: string; user: { id: string; username: string; global_name: string } } | undefined> }).old;
    expect(old[0]!.nick).toBe('old-a');
    expect(old[0]!.user.global_name).toBe(long);
    expect(old[0]!.user.username).toBe(`user${a.slice(-5)}`);
    expect(old[1]!.nick).toBe('old-b');
    expect(old[1]!.user.id).toBe(b);
    const now = await block.cache.getMember(guildId, a);
    expect([now.nick, now.user.username, now.user.global_name]).toEqual(['new-a', 'renamed', long]);
    await expect(block.cache.getMember(guildId, b)).rejects.toThrow();
  });

  it('reports no old member for a merge that creates it, and lists the guild in its user’s members', async () => {
    const guildId = sf();
    const a = sf();
    await block.cache.apply([mutation.set('guild', guild(guildId, 'g') as never)]);
    const created = member(guildId, user(a));
    const result = (await block.cache.apply([mutation.merge('member', { guildId, userId: a }, created, true)], { old: [0] })) as { old: unknown[] };
    expect(result.old).toEqual([undefined]);
    const guilds: string[] = [];
    for await (const m of block.cache.iterMembersForUser(a)) guilds.push(m.guild_id);
    expect(guilds).toEqual([guildId]);
  });

  it('reads first when an earlier mutation of the batch changes the member’s user, and reports it as the batch had it', async () => {
    const guildId = sf();
    const a = sf();
    await block.cache.apply([mutation.set('member', member(guildId, user(a), { nick: 'n' }) as never)]);
    let result: Awaited<ReturnType<RedisCache['apply']>> | undefined;
    const commands = await namesDuring(async () => {
      result = await block.cache.apply(
        [mutation.merge('user', { userId: a }, { username: 'between' }), mutation.merge('member', { guildId, userId: a }, { nick: 'm' }, true)],
        { old: [1] },
      );
    });
    expect(commands.some((name) => READS.has(name))).toBe(true);
    const old = (result as { old: Array<{ nick: string; user: { username: string } }> }).old;
    expect([old[0]!.nick, old[0]!.user.username]).toEqual(['n', 'between']);
  });

  it('decodes an old member whose roles another cache added, refreshing its copy of the dictionary', async () => {
    const guildId = sf();
    const a = sf();
    const roles = [sf(), sf(), sf()];
    const other = new RedisCache(redisUrl(), { prefix, sweepIntervalMs: 0 });
    await other.open();
    try {
      await other.apply([mutation.set('member', member(guildId, user(a), { roles, nick: 'r' }) as never)]);
    } finally {
      await other.close();
    }
    const result = (await block.cache.apply([mutation.merge('member', { guildId, userId: a }, { nick: 's' }, true)], { old: [0] })) as {
      old: Array<{ roles: string[]; nick: string }>;
    };
    expect(result.old[0]!.nick).toBe('r');
    expect([...result.old[0]!.roles].sort()).toEqual([...roles].sort());
  });
});
