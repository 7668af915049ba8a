import { describe, expect, it } from 'vitest';
import { EntryNotFound, mutation, type ApplyResult, type MemberEntity, type MessageEntity } from '@sake/abc';
import { MemoryCache } from '@sake/memory';

const user = (id: string) => ({ id, username: `u${id}`, discriminator: '0', global_name: null, avatar: null });
const member = (guildId: string, userId: string): MemberEntity => ({
  guild_id: guildId,
  user: user(userId),
  roles: [],
  joined_at: '2024-01-01T00:00:00.000Z',
  deaf: false,
  mute: false,
  flags: 0 as MemberEntity['flags'],
});
const message = (id: string, channelId: string): MessageEntity =>
  ({ id, channel_id: channelId, guild_id: '1', author: user('9'), content: id }) as unknown as MessageEntity;

describe('MemoryCache specifics', () => {
  it('expires users no member refers to after userTtlMs, and never a referenced one', async () => {
    let now = 1_000;
    const cache = new MemoryCache({ userTtlMs: 100, now: () => now });
    await cache.open();
    await cache.apply([mutation.set('member', member('1', '2')), mutation.set('member', member('3', '2'))]);
    await cache.apply([mutation.set('user', user('2'), { ttlMs: 10 })]);
    now += 50;
    expect((await cache.getUser('2')).id).toBe('2');
    await cache.apply([mutation.delete('member', { guildId: '1', userId: '2' })]);
    now += 1_000;
    expect((await cache.getUser('2')).id).toBe('2');
    await cache.apply([mutation.delete('member', { guildId: '3', userId: '2' })]);
    now += 99;
    expect((await cache.getUser('2')).id).toBe('2');
    now += 2;
    await expect(cache.getUser('2')).rejects.toBeInstanceOf(EntryNotFound);
  });

  it('keeps the newest messages of a channel under channelLimit', async () => {
    const cache = new MemoryCache();
    await cache.open();
    for (const id of ['5', '10', '7', '100', '8']) await cache.apply([mutation.set('message', message(id, '50'), { channelLimit: 3 })]);
    const ids = (await cache.iterMessagesForChannel('50').toArray()).map((m) => m.id).sort();
    expect(ids).toEqual(['10', '100', '8']);
  });

  it('validates a whole batch before applying any of it', async () => {
    const cache = new MemoryCache();
    await cache.open();
    await expect(cache.apply([mutation.set('user', user('1')), mutation.delete('user', { userId: 'x' })])).rejects.toThrow(TypeError);
    await expect(cache.getUser('1')).rejects.toBeInstanceOf(EntryNotFound);
  });

  it('returns copies that cannot change the cache', async () => {
    const cache = new MemoryCache();
    await cache.open();
    const value = user('1');
    await cache.apply([mutation.set('user', value)]);
    value.username = 'changed';
    const got = await cache.getUser('1');
    expect(got.username).toBe('u1');
    got.username = 'changed again';
    expect((await cache.getUser('1')).username).toBe('u1');
  });

  it('reports old values as copies, and only when asked', async () => {
    const cache = new MemoryCache();
    await cache.open();
    expect(cache.reportsOld).toBe(true);
    expect(await cache.apply([mutation.set('user', user('1'))])).toBeUndefined();
    expect(await cache.apply([mutation.set('user', user('1'))], { old: [] })).toEqual({ old: [] });
    const result = (await cache.apply([mutation.merge('user', { userId: '1' }, { username: 'renamed' }), mutation.delete('user', { userId: '1' })], {
      old: [0, 1, 0],
    })) as ApplyResult;
    const [beforeMerge, beforeDelete, again] = result.old as Array<{ username: string }>;
    expect(beforeMerge?.username).toBe('u1');
    expect(beforeDelete?.username).toBe('renamed');
    expect(again).toEqual(beforeMerge);
    expect(again).not.toBe(beforeMerge);
    await cache.apply([mutation.set('user', user('2'))]);
    const [old] = ((await cache.apply([mutation.merge('user', { userId: '2' }, { global_name: 'x' })], { old: [0] })) as ApplyResult).old as Array<{
      username: string;
    }>;
    old!.username = 'mutated by the caller';
    expect((await cache.getUser('2')).username).toBe('u2');
  });

  it('rejects options.old naming no reportable mutation, before writing anything', async () => {
    const cache = new MemoryCache();
    await cache.open();
    const batch = [mutation.set('user', user('1')), mutation.clearFor('message', 'channel', '5')];
    await expect(cache.apply(batch, { old: [2] })).rejects.toThrow(TypeError);
    await expect(cache.apply(batch, { old: [0.5] })).rejects.toThrow(TypeError);
    await expect(cache.apply(batch, { old: [1] })).rejects.toThrow(/clearFor/);
    await expect(cache.getUser('1')).rejects.toBeInstanceOf(EntryNotFound);
  });

  it('removeRole tolerates members upserted without a roles array', async () => {
    const cache = new MemoryCache();
    await cache.open();
    await cache.apply([
      mutation.merge('member', { guildId: '1', userId: '2' }, { nick: 'partial' }, true),
      mutation.set('member', { ...member('1', '3'), roles: ['7'] }),
    ]);
    await cache.apply([mutation.removeRole('1', '7')]);
    expect((await cache.getMember('1', '3')).roles).toEqual([]);
    expect((await cache.getMember('1', '2')).nick).toBe('partial');
  });

  it('copies values that are not plain JSON the way structuredClone does', async () => {
    const cache = new MemoryCache();
    await cache.open();
    const when = new Date(0);
    const odd = JSON.parse('{"id":"1","username":"u","__proto__":{"polluted":true}}') as Record<string, unknown>;
    await cache.apply([mutation.set('user', { ...user('2'), when } as never), mutation.set('user', odd as never)]);
    const got = (await cache.getUser('2')) as unknown as { when: Date };
    expect(got.when).toBeInstanceOf(Date);
    expect(got.when).not.toBe(when);
    expect(got.when.getTime()).toBe(0);
    const back = (await cache.getUser('1')) as unknown as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
