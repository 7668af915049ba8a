/**
 * The write contract's newer parts on Redis: `react`, `removeRole`, merge
 * upserts with `ttlMs`/`channelLimit`, and old values reported by `apply`
 * (`reportsOld`), each also against mutations earlier in the same batch. Runs
 * on a single node and on the cluster.
 */
import { EntryNotFound, InvalidDataFound, mutation, type ApplyResult, type Mutation } from '@sake/abc';
import { Keys, type RedisCache } from '@sake/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { member, sf, singleCache, TOPOLOGIES, user } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function message(channelId: string, guildId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: sf(), channel_id: channelId, guild_id: guildId, author: user(), content: 'hello', ...extra };
}

const thumbs = { id: null, name: '👍' };
const custom = { id: sf(), name: 'party', animated: false };

async function pttl(cache: RedisCache, messageId: string): Promise<number> {
  return cache.client.pttl(new Keys(cache.prefix).message(messageId));
}

async function oldOf(cache: RedisCache, batch: Mutation[], old: number[]): Promise<readonly unknown[]> {
  const result = (await cache.apply(batch, { old })) as ApplyResult;
  expect(result.old).toHaveLength(old.length);
  return result.old;
}

for (const [name, make] of TOPOLOGIES) {
  describe(`new mutations (${name})`, () => {
    const open: RedisCache[] = [];
    const fresh = async (options: Parameters<typeof singleCache>[0] = {}): Promise<RedisCache> => {
      const cache = make(options);
      open.push(cache);
      await cache.open();
      return cache;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
    });

    it('react counts reactions on the cached message, keeps its expiry, and sees a set earlier in the batch', async () => {
      const cache = await fresh();
      const g = sf();
      const c = sf();
      const stored = message(c, g);
      const id = stored.id as string;
      await cache.apply([mutation.set('message', stored as never, { ttlMs: 60_000 })]);
      await cache.apply([
        mutation.react(id, { op: 'add', emoji: thumbs, burst: false, me: true }),
        mutation.react(id, { op: 'add', emoji: thumbs, burst: false, me: false }),
        mutation.react(id, { op: 'add', emoji: custom, burst: true, me: false, burstColors: ['#ff0000'] }),
      ]);
      const after = await cache.getMessage(id);
      expect(after.content).toBe('hello');
      expect(after.reactions).toEqual([
        { count: 2, count_details: { burst: 0, normal: 2 }, me: true, me_burst: false, emoji: thumbs, burst_colors: [] },
        { count: 1, count_details: { burst: 1, normal: 0 }, me: false, me_burst: false, emoji: custom, burst_colors: ['#ff0000'] },
      ]);
      const ttl = await pttl(cache, id);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);

      // Remove one, then drop the custom emoji entirely.
      await cache.apply([
        mutation.react(id, { op: 'remove', emoji: thumbs, burst: false, me: true }),
        mutation.react(id, { op: 'removeEmoji', emoji: custom }),
      ]);
      expect((await cache.getMessage(id)).reactions).toEqual([
        { count: 1, count_details: { burst: 0, normal: 1 }, me: false, me_burst: false, emoji: thumbs, burst_colors: [] },
      ]);

      // A message set earlier in the same batch (no ttl) is reacted to, and stays without expiry.
      const inBatch = message(c, g, {
        reactions: [{ count: 3, count_details: { burst: 0, normal: 3 }, me: false, me_burst: false, emoji: thumbs, burst_colors: [] }],
      });
      await cache.apply([mutation.set('message', inBatch as never), mutation.react(inBatch.id as string, { op: 'removeAll' })]);
      expect((await cache.getMessage(inBatch.id as string)).reactions).toEqual([]);
      expect(await pttl(cache, inBatch.id as string)).toBe(-1);
    });

    it('react on an absent or deleted message stores nothing', async () => {
      const cache = await fresh();
      const absent = sf();
      await cache.apply([mutation.react(absent, { op: 'add', emoji: thumbs, burst: false, me: false })]);
      await expect(cache.getMessage(absent)).rejects.toBeInstanceOf(EntryNotFound);
      const m = message(sf(), sf());
      await cache.apply([
        mutation.set('message', m as never),
        mutation.delete('message', { messageId: m.id as string }),
        mutation.react(m.id as string, { op: 'add', emoji: thumbs, burst: false, me: false }),
      ]);
      await expect(cache.getMessage(m.id as string)).rejects.toBeInstanceOf(EntryNotFound);
      expect(await cache.iterMessages().len()).toBe(0);
    });

    it('a merge upsert that creates a message uses ttlMs and channelLimit; a merge into an existing one keeps its expiry', async () => {
      const cache = await fresh();
      const g = sf();
      const c = sf();
      const older = [message(c, g), message(c, g), message(c, g)];
      await cache.apply(older.map((m) => mutation.set('message', m as never)));
      const created = message(c, g);
      await cache.apply([mutation.merge('message', { messageId: created.id as string }, created, true, { ttlMs: 30_000, channelLimit: 2 })]);
      await expect(cache.getMessage(created.id as string)).resolves.toEqual(created);
      const ttl = await pttl(cache, created.id as string);
      expect(ttl).toBeGreaterThan(20_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      const kept = (await cache.iterMessagesForChannel(c).toArray()).map((m) => m.id).sort();
      expect(kept).toEqual([older[2]!.id, created.id].sort());

      // Existing entries: an edit with ttlMs keeps the stored expiry (none, or the original one).
      const forever = older[2]!;
      await cache.apply([mutation.merge('message', { messageId: forever.id as string }, { content: 'edited' }, true, { ttlMs: 1_000, channelLimit: 1 })]);
      expect(await pttl(cache, forever.id as string)).toBe(-1);
      await cache.apply([mutation.merge('message', { messageId: created.id as string }, { content: 'edited' }, true, { ttlMs: 1_000 })]);
      expect(await pttl(cache, created.id as string)).toBeGreaterThan(5_000);
      expect((await cache.getMessage(created.id as string)).content).toBe('edited');
      // channelLimit of a merge into an existing message evicts nothing.
      expect(await cache.iterMessagesForChannel(c).len()).toBe(2);
    });

    it('a merge upsert that creates a user uses ttlMs; a merge into an existing user keeps it', async () => {
      const cache = await fresh();
      const created = user();
      const existing = user();
      await cache.apply([mutation.set('user', existing as never)]);
      await cache.apply([
        mutation.merge('user', { userId: created.id as string }, created, true, { ttlMs: 100 }),
        mutation.merge('user', { userId: existing.id as string }, { global_name: 'renamed' }, true, { ttlMs: 100 }),
      ]);
      await expect(cache.getUser(created.id as string)).resolves.toEqual(created);
      await sleep(250);
      await expect(cache.getUser(created.id as string)).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getUser(existing.id as string)).resolves.toEqual({ ...existing, global_name: 'renamed' });
    });

    it('removeRole strips the role from holders only, including members written earlier in the batch', async () => {
      const cache = await fresh();
      const g = sf();
      const other = sf();
      const r = sf();
      const x = sf();
      const a = member(g, user(), { roles: [r, x] });
      const b = member(g, user(), { roles: [x] });
      const c = member(g, user(), { roles: [r] });
      const d = member(g, user(), { roles: [r, x] });
      const e = member(g, user(), { roles: [] });
      const elsewhere = member(other, user(), { roles: [r] });
      const id = (m: Record<string, unknown>): string => (m.user as { id: string }).id;
      await cache.apply([mutation.replaceForGuild('member', g, [a, b, c, d, e] as never), mutation.set('member', elsewhere as never)]);
      // B's user entry is removed: rewriting B (it has no role to lose) would store a user for it again.
      await cache.apply([mutation.delete('user', { userId: id(b) })]);
      await expect(cache.getUser(id(b))).rejects.toBeInstanceOf(EntryNotFound);

      const renamedA = { ...(a.user as Record<string, unknown>), global_name: 'renamed A' };
      const f = member(g, user(), { roles: [x, r] });
      const dWithout = { ...d, roles: [x] };
      await cache.apply([
        mutation.set('user', renamedA as never),
        mutation.set('member', dWithout as never),
        mutation.merge('member', { guildId: g, userId: id(e) }, { roles: [r, x] }),
        mutation.set('member', f as never),
        mutation.removeRole(g, r),
        mutation.merge('member', { guildId: g, userId: id(c) }, { nick: 'after' }),
      ]);
      await expect(cache.getMember(g, id(a))).resolves.toEqual({ ...a, roles: [x], user: renamedA });
      await expect(cache.getUser(id(a))).resolves.toEqual(renamedA);
      await expect(cache.getMember(g, id(b))).resolves.toEqual({ ...b, user: { id: id(b) } });
      await expect(cache.getUser(id(b))).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getMember(g, id(c))).resolves.toEqual({ ...c, roles: [], nick: 'after' });
      await expect(cache.getMember(g, id(d))).resolves.toEqual(dWithout);
      await expect(cache.getMember(g, id(e))).resolves.toEqual({ ...e, roles: [x] });
      await expect(cache.getMember(g, id(f))).resolves.toEqual({ ...f, roles: [x] });
      await expect(cache.getMember(other, id(elsewhere))).resolves.toEqual(elsewhere);

      // A guild without cached members, and a role nobody holds: nothing happens.
      await cache.apply([mutation.removeRole(sf(), r), mutation.removeRole(g, sf())]);
      expect(await cache.iterMembersForGuild(g).len()).toBe(6);
    });

    it('removeRole reaches members in every bucket of a large guild', async () => {
      const cache = await fresh();
      const g = sf();
      const r = sf();
      const all = Array.from({ length: 600 }, (_, i) => member(g, user(), { roles: i % 3 === 0 ? [sf(), r] : [sf()] }));
      await cache.apply([mutation.set('guild', { id: g, name: 'big', member_count: 600 } as never), mutation.replaceForGuild('member', g, all as never)]);
      await cache.apply([mutation.removeRole(g, r)]);
      const after = await cache.iterMembersForGuild(g).toArray();
      expect(after).toHaveLength(600);
      expect(after.filter((m) => m.roles.includes(r))).toEqual([]);
      const byId = new Map(all.map((m) => [(m.user as { id: string }).id, m]));
      for (const m of after) expect(m.roles).toEqual((byId.get(m.user.id)!.roles as string[]).filter((x) => x !== r));
    });

    it('removeRole scans a guild of more buckets than one scan call covers, split records included', async () => {
      const cache = await fresh();
      const g = sf();
      const r = sf();
      // 9 000 members: 128 member buckets (four scan calls of 32); every fifth member holds the role
      // behind nine others and has a long nick, so its record is split (head and tail).
      const all = Array.from({ length: 9_000 }, (_, i) =>
        member(g, user(), i % 5 === 0 ? { roles: [...Array.from({ length: 9 }, () => sf()), r], nick: `n${i}`.padEnd(80, '~') } : { roles: [sf()] }),
      );
      await cache.apply([
        mutation.set('guild', { id: g, name: 'big', member_count: all.length } as never),
        mutation.replaceForGuild('member', g, all as never),
      ]);
      expect(await cache.client.hget(new Keys(cache.prefix).guildMeta(g), 'mb')).toBe('128');
      await cache.apply([mutation.removeRole(g, r)]);
      const after = await cache.iterMembersForGuild(g).toArray();
      expect(after).toHaveLength(all.length);
      const byId = new Map(all.map((m) => [(m.user as { id: string }).id, m]));
      for (const m of after) expect(m.roles).toEqual((byId.get(m.user.id)!.roles as string[]).filter((x) => x !== r));
    });

    it('removeRole over a member bucket holding a foreign value is InvalidDataFound naming that key', async () => {
      const cache = await fresh();
      const g = sf();
      const r = sf();
      // 400 members: 4 buckets (~128 members each), scanned by one call; the foreign value is in the third.
      const all = Array.from({ length: 400 }, () => member(g, user(), { roles: [r] }));
      await cache.apply([mutation.set('guild', { id: g, name: 'g', member_count: all.length } as never), mutation.replaceForGuild('member', g, all as never)]);
      const keys = new Keys(cache.prefix);
      expect(await cache.client.hget(keys.guildMeta(g), 'mb')).toBe('4');
      const key = keys.memberBucket(g, 2);
      await cache.client.del(key);
      await cache.client.set(key, 'not a hash');
      const failure = cache.apply([mutation.removeRole(g, r)]);
      await expect(failure).rejects.toBeInstanceOf(InvalidDataFound);
      await expect(failure).rejects.toThrow(key);
    });

    it('old values: the entries as get* returned them just before each listed mutation', async () => {
      const cache = await fresh();
      const g = sf();
      const c = sf();
      const mA = member(g);
      const mB = member(g);
      const idA = (mA.user as { id: string }).id;
      const idB = (mB.user as { id: string }).id;
      const msg = message(c, g);
      const gone = message(c, g);
      await cache.apply([
        mutation.replaceForGuild('member', g, [mA, mB] as never),
        mutation.set('message', msg as never),
        mutation.set('message', gone as never),
      ]);
      const beforeA = await cache.getMember(g, idA);
      const beforeMsg = await cache.getMessage(msg.id as string);

      const setA = { ...mA, nick: 'set' };
      const renamedB = { ...(mB.user as Record<string, unknown>), username: 'renamedB' };
      const newGuild = sf();
      const batch = [
        mutation.set('member', setA as never), // 0: stored A
        mutation.merge('member', { guildId: g, userId: idA }, { nick: 'merged' }), // 1: A as set by 0
        mutation.react(msg.id as string, { op: 'add', emoji: thumbs, burst: false, me: false }), // 2: stored message
        mutation.react(msg.id as string, { op: 'add', emoji: thumbs, burst: false, me: true }), // 3: after one reaction
        mutation.delete('message', { messageId: gone.id as string }), // 4: stored
        mutation.delete('message', { messageId: gone.id as string }), // 5: already deleted
        mutation.set('user', renamedB as never), // 6: B's stored user
        mutation.merge('member', { guildId: g, userId: idB }, { nick: 'b' }), // 7: B joined with the renamed user
        mutation.set('guild', { id: newGuild, name: 'new' } as never), // 8: absent
        mutation.removeRole(g, sf()),
      ];
      const old = await oldOf(cache, batch, [3, 0, 1, 2, 4, 5, 6, 7, 8, 0]);
      expect(old[1]).toEqual(beforeA);
      expect(old[9]).toEqual(beforeA);
      expect(old[9]).not.toBe(old[1]);
      expect(old[2]).toEqual(setA);
      // A copy, not the caller's object: changing the batch afterwards must not change the report.
      expect(old[2]).not.toBe(setA);
      expect(old[3]).toEqual(beforeMsg);
      expect(old[0]).toEqual({
        ...beforeMsg,
        reactions: [{ count: 1, count_details: { burst: 0, normal: 1 }, me: false, me_burst: false, emoji: thumbs, burst_colors: [] }],
      });
      expect(old[4]).toEqual(gone);
      expect(old[5]).toBeUndefined();
      expect(old[6]).toEqual(mB.user);
      expect(old[7]).toEqual({ ...mB, user: renamedB });
      expect(old[8]).toBeUndefined();
      // The batch itself was applied.
      await expect(cache.getMember(g, idA)).resolves.toEqual({ ...setA, nick: 'merged' });
      expect((await cache.getMessage(msg.id as string)).reactions?.[0]?.count).toBe(2);
      await expect(cache.getMessage(gone.id as string)).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getMember(g, idB)).resolves.toEqual({ ...mB, nick: 'b', user: renamedB });
    });

    it('old values see removeRole, replaces and clears earlier in the batch', async () => {
      const cache = await fresh();
      const g = sf();
      const r = sf();
      const holder = member(g, user(), { roles: [r] });
      const replaced = member(g);
      const id = (m: Record<string, unknown>): string => (m.user as { id: string }).id;
      await cache.apply([
        mutation.replaceForGuild('member', g, [holder, replaced] as never),
        mutation.set('presence', { guild_id: g, user: { id: id(holder) }, status: 'online', activities: [] } as never),
      ]);
      const old = await oldOf(
        cache,
        [
          mutation.removeRole(g, r),
          mutation.merge('member', { guildId: g, userId: id(holder) }, { nick: 'x' }), // 1: without the role
          mutation.replaceForGuild('member', g, [holder] as never),
          mutation.delete('member', { guildId: g, userId: id(replaced) }), // 3: gone with the replace
          mutation.clearFor('presence', 'guild', g),
          mutation.set('presence', { guild_id: g, user: { id: id(holder) }, status: 'idle', activities: [] } as never), // 5: cleared
        ],
        [1, 3, 5],
      );
      expect(old[0]).toEqual({ ...holder, roles: [] });
      expect(old[1]).toBeUndefined();
      expect(old[2]).toBeUndefined();
    });

    it('without options apply resolves nothing; bad old indexes are a TypeError before any I/O', async () => {
      const cache = await fresh();
      expect(cache.reportsOld).toBe(true);
      const u = user();
      await expect(cache.apply([mutation.set('user', u as never)])).resolves.toBeUndefined();
      await expect(cache.apply([mutation.set('user', u as never)], { old: [] })).resolves.toEqual({ old: [] });
      const other = user();
      for (const old of [[1], [-1], [0.5], ['0']] as unknown as number[][]) {
        await expect(cache.apply([mutation.set('user', other as never)], { old })).rejects.toBeInstanceOf(TypeError);
      }
      await expect(cache.apply([mutation.removeRole(sf(), sf())], { old: [0] })).rejects.toBeInstanceOf(TypeError);
      await expect(cache.getUser(other.id as string)).rejects.toBeInstanceOf(EntryNotFound);
      await cache.close();
      await expect(cache.apply([mutation.set('user', other as never)], { old: [3] })).rejects.toBeInstanceOf(TypeError);
    });
  });
}
