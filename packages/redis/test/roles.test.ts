/**
 * Member records refer to their roles by index into the guild's
 * append-only role dictionary (`{g:G}:rd`). Two processes meeting new roles
 * at once agree on the indexes; a process whose copy is behind refreshes it;
 * a record or dictionary that can't be right is `InvalidDataFound` naming its key.
 */
import { InvalidDataFound, mutation } from '@sake/abc';
import { Keys } from '@sake/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRecord } from '../src/codec/record.js';
import { bucketOf, id8, member, opened, redisUrl, sf, singleCache, TOPOLOGIES, uniquePrefix, user } from './helpers.js';

let admin: Redis;
beforeAll(() => {
  admin = new Redis(redisUrl());
});
afterAll(() => {
  admin.disconnect();
});

/**
 * Where a stored version-2 member record's roles value starts: after the header byte and its 4 code
 * bytes (codec/schemas.ts); the roles field (field 0) must be coded 3, "a value follows".
 */
function firstField(stored: Buffer): number {
  expect(stored[1]! & 3).toBe(3);
  return 5;
}

function userIdOf(m: Record<string, unknown>): string {
  return (m.user as { id: string }).id;
}

for (const [name, make] of TOPOLOGIES) {
  describe(`role dictionary (${name})`, () => {
    it("two caches adding new roles at once agree on them: each reads the other's members, and a fresh cache reads both", async () => {
      const prefix = uniquePrefix('rd');
      const [a, b] = await Promise.all([opened(make({ prefix })), opened(make({ prefix }))]);
      const guildId = sf();
      const shared = sf();
      const fromA = Array.from({ length: 20 }, () => member(guildId, user(), { roles: [shared, sf(), sf()] }));
      const fromB = Array.from({ length: 20 }, () => member(guildId, user(), { roles: [sf(), shared, sf()] }));
      // Interleaved batches from both, issued together: each meets roles new to its copy and to the store.
      await Promise.all(
        fromA.map((m, i) => Promise.all([a.apply([mutation.set('member', m as never)]), b.apply([mutation.set('member', fromB[i] as never)])])),
      );
      for (const m of [...fromA, ...fromB]) {
        await expect(a.getMember(guildId, userIdOf(m))).resolves.toEqual(m);
        await expect(b.getMember(guildId, userIdOf(m))).resolves.toEqual(m);
      }
      const fresh = await opened(make({ prefix }));
      const all = await fresh.iterMembersForGuild(guildId).toArray();
      expect(all).toHaveLength(40);
      expect(new Map(all.map((m) => [m.user.id, m]))).toEqual(new Map([...fromA, ...fromB].map((m) => [userIdOf(m), m])));
      await Promise.all([a.close(), b.close(), fresh.close()]);
    });

    it('a cache whose copy is behind finds holders of a role another cache added (removeRole) and reads the rest right', async () => {
      const prefix = uniquePrefix('rd');
      const [a, b] = await Promise.all([opened(make({ prefix })), opened(make({ prefix }))]);
      const guildId = sf();
      const [r1, r2, r3] = [sf(), sf(), sf()];
      const first = member(guildId, user(), { roles: [r1] });
      await a.apply([mutation.set('member', first as never)]);
      await expect(b.getMember(guildId, userIdOf(first))).resolves.toEqual(first);
      // b's copy now knows r1 only; a adds r2 and r3.
      const holders = Array.from({ length: 5 }, () => member(guildId, user(), { roles: [r2, r3] }));
      const others = Array.from({ length: 5 }, () => member(guildId, user(), { roles: [r3] }));
      await a.apply([...holders, ...others].map((m) => mutation.set('member', m as never)));
      await b.apply([mutation.removeRole(guildId, r2)]);
      for (const m of holders) await expect(b.getMember(guildId, userIdOf(m))).resolves.toEqual({ ...m, roles: [r3] });
      for (const m of others) await expect(a.getMember(guildId, userIdOf(m))).resolves.toEqual(m);
      await Promise.all([a.close(), b.close()]);
    });

    it('keeps the dictionary when the guild and its members go: indexes mean the same roles afterwards', async () => {
      const prefix = uniquePrefix('rd');
      const [a, b] = await Promise.all([opened(make({ prefix })), opened(make({ prefix }))]);
      const guildId = sf();
      const roles = [sf(), sf()];
      const m = member(guildId, user(), { roles });
      await a.apply([mutation.set('member', m as never)]);
      await expect(b.getMember(guildId, userIdOf(m))).resolves.toEqual(m);
      await a.clearMembersForGuild(guildId);
      await a.deleteGuild(guildId);
      // b's copy still maps indexes 0 and 1 to roles[0] and roles[1]: a member written after the
      // clear with those roles in the other order must come back in that order.
      const again = member(guildId, user(), { roles: [roles[1], roles[0]] });
      await a.apply([mutation.set('member', again as never)]);
      await expect(b.getMember(guildId, userIdOf(again))).resolves.toEqual(again);
      await Promise.all([a.close(), b.close()]);
    });
  });
}

describe('role dictionary: stored bytes (single node)', () => {
  it('stores roles as one-byte indexes, the dictionary in first-seen order, each role once', async () => {
    const cache = await opened(singleCache());
    const keys = new Keys(cache.prefix);
    const guildId = sf();
    const roles = Array.from({ length: 10 }, () => sf());
    const m1 = member(guildId, user(), { roles: roles.slice(0, 6) });
    const m2 = member(guildId, user(), { roles: [...roles.slice(4), roles[0]!] });
    await cache.apply([mutation.set('member', m1 as never), mutation.set('member', m2 as never)]);
    expect(await admin.getBuffer(keys.roleDictionary(guildId))).toEqual(Buffer.concat(roles.map(id8)));
    const mb = Number(await admin.hget(keys.guildMeta(guildId), 'mb'));
    const stored = await admin.hgetBuffer(keys.memberBucket(guildId, bucketOf(userIdOf(m1), mb)), id8(userIdOf(m1)));
    expect(stored![0]).toBe(0x52);
    // Header, code bytes, then the roles field first: a msgpack array of 6 one-byte indexes 0…5.
    const at = firstField(stored!);
    expect([...stored!.subarray(at, at + 7)]).toEqual([0x96, 0, 1, 2, 3, 4, 5]);
    await cache.close();
  });

  it('adds many roles at once to a dictionary that holds some of them: each once, in first-seen order', async () => {
    const cache = await opened(singleCache());
    const keys = new Keys(cache.prefix);
    const guildId = sf();
    const roles = Array.from({ length: 30 }, () => sf());
    await cache.apply([mutation.set('member', member(guildId, user(), { roles: roles.slice(0, 12) }) as never)]);
    // Another process, whose copy of the dictionary is empty, asks for 12 stored ids and 12 new ones
    // at once: more than the script searches one by one.
    const other = await opened(singleCache({ prefix: cache.prefix }));
    const m2 = member(guildId, user(), { roles: [...roles.slice(6, 18), ...roles.slice(0, 3)] });
    const m3 = member(guildId, user(), { roles: [...roles.slice(18, 30), roles[7]!] });
    await other.apply([mutation.set('member', m2 as never), mutation.set('member', m3 as never)]);
    const key = keys.roleDictionary(guildId);
    expect(await admin.getBuffer(key)).toEqual(Buffer.concat(roles.map(id8)));
    await expect(cache.getMember(guildId, userIdOf(m3))).resolves.toEqual(m3);
    // The script itself, for a caller whose copy is empty: stored ids are found, an id twice in one
    // call is added once, and the answer is the whole dictionary.
    const twice = [sf(), sf()];
    const scripted = other.client as unknown as { sakeDictionaryAddBuffer(k: string, known: number, ids: Buffer): Promise<Buffer> };
    const all = await scripted.sakeDictionaryAddBuffer(key, 0, Buffer.concat([...roles.slice(0, 9), twice[0]!, twice[1]!, twice[0]!].map(id8)));
    expect(all).toEqual(Buffer.concat([...roles, ...twice].map(id8)));
    // A copy that knows 31 entries gets what lies beyond them; one that knows more than is stored
    // (the store was emptied since) gets nothing, and the store is searched whole.
    await expect(scripted.sakeDictionaryAddBuffer(key, 31, Buffer.concat([twice[1]!].map(id8)))).resolves.toEqual(id8(twice[1]!));
    await expect(scripted.sakeDictionaryAddBuffer(key, 40, Buffer.concat([twice[1]!].map(id8)))).resolves.toEqual(Buffer.alloc(0));
    expect(await admin.strlen(key)).toBe(32 * 8);
    await Promise.all([cache.close(), other.close()]);
  });

  it('a record referring to an index beyond the dictionary is InvalidDataFound naming the entry, for a get and an iteration', async () => {
    const cache = await opened(singleCache());
    const keys = new Keys(cache.prefix);
    const guildId = sf();
    const m = member(guildId, user(), { roles: [sf()] });
    await cache.apply([mutation.set('member', m as never)]);
    const mb = Number(await admin.hget(keys.guildMeta(guildId), 'mb'));
    const bucket = keys.memberBucket(guildId, bucketOf(userIdOf(m), mb));
    const stored = (await admin.hgetBuffer(bucket, id8(userIdOf(m))))!;
    const at = firstField(stored);
    expect([...stored.subarray(at, at + 2)]).toEqual([0x91, 0]);
    stored[at + 1] = 9;
    await admin.hset(bucket, id8(userIdOf(m)), stored);
    const fresh = await opened(singleCache({ prefix: cache.prefix }));
    const err = await fresh.getMember(guildId, userIdOf(m)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidDataFound);
    expect((err as InvalidDataFound).message).toContain(`${bucket}[${userIdOf(m)}]`);
    expect((err as InvalidDataFound).message).toMatch(/role index 9/);
    await expect(fresh.iterMembersForGuild(guildId).toArray()).rejects.toThrow(InvalidDataFound);
    await Promise.all([cache.close(), fresh.close()]);
  });

  it('removeRole over a record whose roles array is cut short is InvalidDataFound naming the entry, and strips nothing', async () => {
    const cache = await opened(singleCache());
    const keys = new Keys(cache.prefix);
    const guildId = sf();
    const r = sf();
    const all = Array.from({ length: 50 }, () => member(guildId, user(), { roles: [r] }));
    await cache.apply(all.map((m) => mutation.set('member', m as never)));
    const bad = all[7]!;
    const mb = Number(await admin.hget(keys.guildMeta(guildId), 'mb'));
    const bucket = keys.memberBucket(guildId, bucketOf(userIdOf(bad), mb));
    const stored = (await admin.hgetBuffer(bucket, id8(userIdOf(bad))))!;
    const at = firstField(stored);
    // The roles array claims 3 indexes and the record ends after the first.
    await admin.hset(bucket, id8(userIdOf(bad)), Buffer.concat([stored.subarray(0, at), Buffer.from([0x93, 0])]));
    const err = await cache.apply([mutation.removeRole(guildId, r)]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidDataFound);
    expect((err as InvalidDataFound).message).toContain(`${bucket}[${userIdOf(bad)}]`);
    for (const m of all) if (m !== bad) await expect(cache.getMember(guildId, userIdOf(m))).resolves.toEqual(m);
    await cache.close();
  });

  it('a dictionary whose length is not a multiple of 8 is InvalidDataFound naming it, and is left as it is', async () => {
    const cache = await opened(singleCache());
    const keys = new Keys(cache.prefix);
    const guildId = sf();
    await admin.set(keys.roleDictionary(guildId), Buffer.from('12345'));
    const err = await cache.apply([mutation.set('member', member(guildId) as never)]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidDataFound);
    expect((err as Error).message).toContain(keys.roleDictionary(guildId));
    expect(await admin.get(keys.roleDictionary(guildId))).toBe('12345');
    await cache.close();
  });
});

for (const [name, make] of TOPOLOGIES) {
  describe(`removeRole strips in place (${name})`, () => {
    it('leaves every record as the writer would write it without the role: 1-, 2- and 3-byte indexes, arrays of 16 and more, records that stop being split and ones that stay split', async () => {
      const cache = await opened(make());
      const keys = new Keys(cache.prefix);
      const guildId = sf();
      // 300 roles in the dictionary, in this order: indexes up to 299 (0xcc and 0xcd msgpack forms).
      const roles = Array.from({ length: 300 }, () => sf());
      await cache.apply([mutation.set('member', member(guildId, user(), { roles }) as never)]);
      const gone = [roles[0]!, roles[200]!, roles[290]!];
      const holders = [
        ...gone.map((r) => member(guildId, user(), { roles: [roles[5]!, r, roles[150]!, roles[299]!] })),
        // 16 roles (array16) down to 15 (fixarray), and 20 roles down to 19.
        member(guildId, user(), { roles: [...roles.slice(10, 25), roles[200]!] }),
        member(guildId, user(), { roles: [roles[290]!, ...roles.slice(30, 49)] }),
        // Nicks of every length: records on both sides of the 64-byte split, some crossing it.
        ...Array.from({ length: 60 }, (_, i) => member(guildId, user(), { roles: [roles[7]!, roles[290]!], nick: 'n'.repeat(i + 10) })),
      ];
      const others = Array.from({ length: 20 }, (_, i) => member(guildId, user(), { roles: [roles[8]!], nick: 'x'.repeat(i * 3) }));
      await cache.apply([...holders, ...others].map((m) => mutation.set('member', m as never)));
      const mb = Number(await cache.client.hget(keys.guildMeta(guildId), 'mb'));
      const stored = async (m: Record<string, unknown>): Promise<[Buffer | null, Buffer | null]> => {
        const b = bucketOf(userIdOf(m), mb);
        const field = id8(userIdOf(m));
        return [await cache.client.hgetBuffer(keys.memberBucket(guildId, b), field), await cache.client.hgetBuffer(keys.memberTails(guildId, b), field)];
      };
      const splitBefore = await Promise.all(holders.map(async (m) => (await stored(m))[1] !== null));
      const othersBefore = await Promise.all(others.map(stored));

      await cache.apply(gone.map((r) => mutation.removeRole(guildId, r)));
      const expected = holders.map((m) => ({ ...m, roles: (m.roles as string[]).filter((r) => !gone.includes(r)) }));
      const afterStrip = await Promise.all(holders.map(stored));
      for (const m of expected) await expect(cache.getMember(guildId, userIdOf(m))).resolves.toEqual(m);
      expect(await Promise.all(others.map(stored))).toEqual(othersBefore);
      // Both split forms were met: records that fit in one piece once stripped, and records still split.
      const splitAfter = afterStrip.map(([, tail]) => tail !== null);
      expect(splitBefore.some((s, i) => s && !splitAfter[i])).toBe(true);
      expect(splitAfter.some(Boolean)).toBe(true);
      // What the writer stores for the same members: byte for byte what the strip left.
      await cache.apply(expected.map((m) => mutation.set('member', m as never)));
      expect(await Promise.all(holders.map(stored))).toEqual(afterStrip);
      expect(await cache.client.hget(keys.guildMeta(guildId), 'mc')).toBe(String(1 + holders.length + others.length));
      await cache.close();
    });

    it('applies at its place in the batch: members set before lose the role, members set after keep it, a merge after sees it gone', async () => {
      const cache = await opened(make());
      const guildId = sf();
      const [r, keep] = [sf(), sf()];
      const stored = member(guildId, user(), { roles: [r, keep] });
      await cache.apply([mutation.set('member', stored as never)]);
      const before = member(guildId, user(), { roles: [keep, r] });
      const after = member(guildId, user(), { roles: [r] });
      await cache.apply([
        mutation.set('member', before as never),
        mutation.removeRole(guildId, r),
        mutation.set('member', after as never),
        mutation.merge('member', { guildId, userId: userIdOf(stored) }, { nick: 'merged' }),
      ]);
      await expect(cache.getMember(guildId, userIdOf(before))).resolves.toEqual({ ...before, roles: [keep] });
      await expect(cache.getMember(guildId, userIdOf(after))).resolves.toEqual(after);
      await expect(cache.getMember(guildId, userIdOf(stored))).resolves.toEqual({ ...stored, roles: [keep], nick: 'merged' });
      await cache.close();
    });

    it('with member upserts (merged in the scripts) on both sides: merged before, the role goes; merged after, the merge sees it gone or sets it again', async () => {
      const cache = await opened(make());
      const guildId = sf();
      const [r, keep] = [sf(), sf()];
      const [a, b, c] = [
        member(guildId, user(), { roles: [r, keep] }),
        member(guildId, user(), { roles: [r, keep] }),
        member(guildId, user(), { roles: [keep] }),
      ];
      await cache.apply([a, b, c].map((m) => mutation.set('member', m as never)));
      const upsert = (m: Record<string, unknown>, patch: Record<string, unknown>) =>
        mutation.merge('member', { guildId, userId: userIdOf(m) }, { ...patch, user: { ...(m.user as object), global_name: 'new' } } as never, true);
      await cache.apply([upsert(a, { nick: 'a' }), mutation.removeRole(guildId, r), upsert(b, { nick: 'b' }), upsert(c, { roles: [keep, r] })]);

      const withName = (m: Record<string, unknown>, patch: Record<string, unknown>) => ({
        ...m,
        ...patch,
        user: { ...(m.user as object), global_name: 'new' },
      });
      await expect(cache.getMember(guildId, userIdOf(a))).resolves.toEqual(withName(a, { roles: [keep], nick: 'a' }));
      await expect(cache.getMember(guildId, userIdOf(b))).resolves.toEqual(withName(b, { roles: [keep], nick: 'b' }));
      await expect(cache.getMember(guildId, userIdOf(c))).resolves.toEqual(withName(c, { roles: [keep, r] }));
      // A merge between two removals of its guild (planned in Node): a role it sets again after the first stays, the second goes.
      const [r2, d] = [sf(), member(guildId, user(), { roles: [r, keep] })];
      await cache.apply([mutation.set('member', { ...d, roles: [r2, keep] } as never)]);
      await cache.apply([mutation.removeRole(guildId, keep), upsert(d, { roles: [r2, keep] }), mutation.removeRole(guildId, r2)]);
      await expect(cache.getMember(guildId, userIdOf(d))).resolves.toEqual(withName(d, { roles: [keep] }));
      // A role new to the dictionary in this batch (its merge adds it), removed later in the batch.
      const [fresh, f] = [sf(), member(guildId, user(), { roles: [keep] })];
      await cache.apply([mutation.set('member', f as never)]);
      await cache.apply([upsert(f, { roles: [keep, fresh] }), mutation.removeRole(guildId, fresh)]);
      await expect(cache.getMember(guildId, userIdOf(f))).resolves.toEqual(withName(f, { roles: [keep] }));
      // A member the batch also sets (Node rewrites it without the role from what the batch wrote): the merge between is kept.
      const e = member(guildId, user(), { roles: [r2, keep] });
      await cache.apply([mutation.set('member', e as never), upsert(e, { banner: null }), mutation.removeRole(guildId, r2)]);
      await expect(cache.getMember(guildId, userIdOf(e))).resolves.toEqual(withName(e, { roles: [keep], banner: null }));

      await cache.close();
    });

    it("a holder whose roles the strip script can not edit (kept verbatim) is rewritten in Node, with its user's merge of the same batch", async () => {
      const cache = await opened(make());
      const guildId = sf();
      const [r, keep] = [sf(), sf()];
      const odd = member(guildId, user(), { roles: [r, keep] });
      const userId = userIdOf(odd);
      await cache.apply([mutation.set('member', member(guildId, user()) as never), mutation.set('user', odd.user as never)]);
      // The record as a writer without the guild's role dictionary leaves it: roles in the extension map.
      const keys = new Keys(cache.prefix);
      const mb = Number(await cache.client.hget(keys.guildMeta(guildId), 'mb'));
      const record = encodeRecord('member', odd, { guild_id: guildId }, 'user');
      expect(record.length).toBeLessThanOrEqual(64);
      await cache.client.hset(keys.memberBucket(guildId, bucketOf(userId, mb)), id8(userId), record);
      await cache.apply([mutation.merge('member', { guildId, userId }, { nick: 'merged', user: odd.user as never }, true), mutation.removeRole(guildId, r)]);
      await expect(cache.getMember(guildId, userId)).resolves.toEqual({ ...odd, roles: [keep], nick: 'merged' });
      await cache.close();
    });

    it("with a replace of the guild's members in the batch: replaced before it, members lose the role; replaced after it, they keep it", async () => {
      const cache = await opened(make());
      const guildId = sf();
      const [r, keep] = [sf(), sf()];
      await cache.apply([mutation.replaceForGuild('member', guildId, Array.from({ length: 300 }, () => member(guildId, user(), { roles: [r] })) as never)]);
      const first = Array.from({ length: 300 }, () => member(guildId, user(), { roles: [r, keep] }));
      await cache.apply([mutation.replaceForGuild('member', guildId, first as never), mutation.removeRole(guildId, r)]);
      expect(new Map((await cache.iterMembersForGuild(guildId).toArray()).map((m) => [m.user.id, m]))).toEqual(
        new Map(first.map((m) => [userIdOf(m), { ...m, roles: [keep] }])),
      );
      const second = Array.from({ length: 300 }, () => member(guildId, user(), { roles: [r] }));
      await cache.apply([mutation.removeRole(guildId, r), mutation.replaceForGuild('member', guildId, second as never)]);
      expect(new Map((await cache.iterMembersForGuild(guildId).toArray()).map((m) => [m.user.id, m]))).toEqual(new Map(second.map((m) => [userIdOf(m), m])));
      await cache.close();
    });
  });
}

describe('role dictionary copies (single node)', () => {
  it('keeps at most maxCopies, drops the least recently used, and re-reads a dropped one when it is needed', async () => {
    const { RoleDictionaries } = await import('../src/resources/roles.js');
    const { Connection, createClient } = await import('../src/connection.js');
    const { resolveOptions } = await import('../src/options.js');
    const prefix = uniquePrefix('rdc');
    const keys = new Keys(prefix);
    const options = resolveOptions({ prefix });
    const { client, owned } = createClient(redisUrl(), options);
    const conn = new Connection(client, owned, options.commandTimeoutMs);
    await conn.open(options.connectTimeoutMs);
    const copies = new RoleDictionaries(conn, keys, 2);
    const [g1, g2, g3] = [sf(), sf(), sf()];
    const roles = [sf(), sf()];
    await copies.add(g1, new Set(roles));
    const first = copies.of(g1);
    expect([first.idAt(0), first.idAt(1)]).toEqual(roles);
    copies.of(g2);
    copies.of(g1); // g1 used last: g2 is the oldest now
    copies.of(g3);
    expect(copies.size).toBe(2);
    expect(copies.of(g1)).toBe(first);
    copies.of(g2);
    copies.of(g3); // g1 dropped
    const again = copies.of(g1);
    expect(again).not.toBe(first);
    expect(again.size).toBe(0);
    await copies.refresh(g1);
    expect([again.idAt(0), again.idAt(1)]).toEqual(roles);
    await conn.close();
  });
});
