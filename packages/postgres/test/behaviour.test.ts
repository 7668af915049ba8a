/**
 * What the conformance suite does not pin down: keyset windows, expiry and the
 * sweep on a fake clock, lossless storage, user retention against MemoryCache,
 * the schema version check, unreadable rows, and everything staying inside the
 * schema (a role that may touch nothing else runs a whole workload).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BackendError, EntryNotFound, InvalidDataFound, mutation, type Backend, type Mutation } from '@sake/abc';
import { fixtures } from '@sake/conformance';
import { MemoryCache } from '@sake/memory';
import { PostgresCache, type PostgresCacheOptions } from '@sake/postgres';
import { endSql, freshCache, pgUrl, sql, tableOf, uniqueSchema } from './helpers.js';

const caches: PostgresCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
afterAll(endSql);

async function opened(options: PostgresCacheOptions = {}): Promise<PostgresCache> {
  const cache = freshCache({ sweepIntervalMs: 0, ...options });
  caches.push(cache);
  await cache.open();
  return cache;
}

const id = fixtures.snowflakes(9_000_000);

describe('reads', () => {
  it('iteration walks keyset windows: every entry once, in key order, also for one parent', async () => {
    const cache = await opened({ iterWindow: 2 });
    const guildId = id();
    const guilds = Array.from({ length: 7 }, () => fixtures.guild(id()));
    const members = Array.from({ length: 5 }, () => fixtures.member(guildId, fixtures.user(id())));
    const elsewhere = fixtures.member(id(), fixtures.user(id()));
    await cache.apply([...guilds.map((g) => mutation.set('guild', g)), ...[...members, elsewhere].map((m) => mutation.set('member', m))]);
    const seen = (await cache.iterGuilds().toArray()).map((g) => g.id);
    expect(seen).toEqual(guilds.map((g) => g.id).sort());
    const forGuild = await cache.iterMembersForGuild(guildId).toArray();
    expect(forGuild.map((m) => m.user.id)).toEqual(members.map((m) => m.user.id).sort());
    expect(forGuild[0]).toEqual(members.find((m) => m.user.id === forGuild[0]!.user.id));
    expect(await cache.iterMembersForGuild(guildId).len()).toBe(5);
    expect(await cache.iterMembers().len()).toBe(6);
  });

  it('concurrent gets of one tick are grouped, and each caller still gets its own answer (value, EntryNotFound, InvalidDataFound)', async () => {
    const cache = await opened({ poolSize: 2 });
    const guildId = id();
    const members = Array.from({ length: 1_200 }, () => fixtures.member(guildId, fixtures.user(id())));
    await cache.apply([mutation.replaceForGuild('member', guildId, members)]);
    const broken = members[7]!;
    await sql(`UPDATE ${tableOf(cache.schema, 'member')} SET data = '"not an entity"'::json WHERE k = $1`, [`${guildId}/${broken.user.id}`]);
    const asked = [...members.map((m) => m.user.id), members[0]!.user.id, id()];
    const results = await Promise.allSettled(asked.map((u) => cache.getMember(guildId, u)));
    results.forEach((r, i) => {
      if (i === 7) expect(r.status === 'rejected' && r.reason instanceof InvalidDataFound).toBe(true);
      else if (i === asked.length - 1) expect(r.status === 'rejected' && r.reason instanceof EntryNotFound).toBe(true);
      else expect(r.status === 'fulfilled' && r.value).toEqual(members[i % members.length]);
    });
    // The same key asked twice in one tick: two objects, so one caller can't change the other's.
    const [a, b] = [results[0], results[members.length]] as PromiseFulfilledResult<unknown>[];
    expect(a!.value).not.toBe(b!.value);
  });

  it('an expired row is never returned, before and after the sweep, and the sweep deletes it', async () => {
    let now = 1_000_000;
    const cache = await opened({ now: () => now });
    const short = fixtures.message(id(), id(), fixtures.user(id()), id());
    const kept = fixtures.message(id(), short.channel_id, fixtures.user(id()), short.guild_id!);
    await cache.apply([mutation.set('message', short, { ttlMs: 1_000 }), mutation.set('message', kept)]);
    now += 999;
    expect(await cache.getMessage(short.id)).toEqual(short);
    now += 1;
    await expect(cache.getMessage(short.id)).rejects.toBeInstanceOf(EntryNotFound);
    expect((await cache.iterMessagesForChannel(short.channel_id).toArray()).map((m) => m.id)).toEqual([kept.id]);
    expect(await cache.iterMessages().len()).toBe(1);
    // Still stored until swept; the sweep removes exactly the expired row.
    expect(await sql(`SELECT k FROM ${tableOf(cache.schema, 'message')} ORDER BY k`)).toHaveLength(2);
    expect(await cache.sweep()).toBe(1);
    expect((await sql(`SELECT k FROM ${tableOf(cache.schema, 'message')}`)).map((r) => r.k)).toEqual([kept.id]);
  });

  it('stores entities losslessly: NUL and astral characters, lone surrogates, key order, deep nesting, large numbers', async () => {
    const cache = await opened();
    const u = fixtures.user(id(), { global_name: 'a\u0000b \u{1F600} \udc00 "q" \\ \n' });
    const m = fixtures.member(id(), u, { nick: 'zero\u0000nick', roles: [id()] });
    const odd = { ...fixtures.message(id(), id(), u, id()), zzz: 1, aaa: { b: [1, [2, [3, { c: null }]]], big: 1e21, tiny: 5e-324, neg: -12.5 } };
    await cache.apply([mutation.set('member', m), mutation.set('message', odd)]);
    const got = await cache.getMessage(odd.id);
    expect(got).toEqual(odd);
    expect(Object.keys(got)).toEqual(Object.keys(odd));
    expect(await cache.getMember(m.guild_id, u.id)).toEqual(m);
    // A statement reading inside the json (removeRole's scan) copes with the NUL too.
    await cache.apply([mutation.removeRole(m.guild_id, m.roles[0]!)]);
    expect(await cache.getMember(m.guild_id, u.id)).toEqual({ ...m, roles: [] });
  });
});

describe('user retention (userTtlMs), against MemoryCache on the same clock', () => {
  it("members removed by delete, replaceForGuild, clearFor and clears start their user's retention as MemoryCache does", async () => {
    let now = 5_000_000;
    const clock = (): number => now;
    const pg = await opened({ userTtlMs: 1_000, now: clock });
    const memory = new MemoryCache({ userTtlMs: 1_000, now: clock });
    await memory.open();
    const both: Backend[] = [memory, pg];
    const [g1, g2] = [id(), id()];
    const users = Array.from({ length: 6 }, () => fixtures.user(id()));
    const member = (g: string, i: number) => fixtures.member(g, users[i]!);
    const steps: Array<(b: Backend) => Promise<unknown>> = [
      (b) =>
        b.apply([
          ...[0, 1, 2, 3, 4].map((i) => mutation.set('member', member(g1, i))),
          mutation.set('member', member(g2, 1)),
          mutation.set('user', users[5]!, { ttlMs: 500 }),
        ]),
      (b) => b.apply([mutation.delete('member', { guildId: g1, userId: users[0]!.id })]),
      (b) => b.apply([mutation.replaceForGuild('member', g1, [member(g1, 3), member(g1, 4)])]),
      (b) => b.deleteMember(g2, users[1]!.id),
      (b) => b.apply([mutation.set('member', member(g2, 2)), mutation.clearFor('member', 'guild', g1)]),
      (b) => b.clearMembersForUser(users[2]!.id),
      (b) => b.apply([mutation.set('member', member(g1, 5)), mutation.set('member', member(g2, 3))]),
      (b) => b.clearMembers(),
    ];
    const visible = async (b: Backend): Promise<string[]> => (await b.iterUsers().toArray()).map((x) => x.id).sort();
    const seen = new Set<number>();
    for (const step of steps) {
      for (const b of both) await step(b);
      expect(await visible(pg)).toEqual(await visible(memory));
      now += 400;
      expect(await visible(pg)).toEqual(await visible(memory));
      seen.add((await visible(memory)).length);
    }
    now += 2_000;
    expect(await visible(pg)).toEqual(await visible(memory));
    // The steps did start retention times that ran out (not every user stayed, not every user went).
    expect(seen.size).toBeGreaterThan(2);
    expect((await visible(memory)).length).toBeLessThan(users.length);
    await memory.close();
  });
});

describe('the schema', () => {
  it('a schema written by a newer or an unknown table layout is refused on open, before anything is written', async () => {
    const first = await opened();
    await first.close();
    for (const [value, message] of [
      ['2', /newer/],
      ['garbage', /unknown/],
    ] as const) {
      await sql(`UPDATE "${first.schema}".meta SET value = $1 WHERE name = 'layout'`, [value]);
      const again = new PostgresCache(pgUrl(), { schema: first.schema, sweepIntervalMs: 0 });
      caches.push(again);
      await expect(again.open()).rejects.toSatisfy((err: unknown) => err instanceof BackendError && message.test(err.message));
      expect(again.isAlive).toBe(false);
    }
  });

  it('a row of an unknown format version is InvalidDataFound naming the table and key', async () => {
    const cache = await opened();
    const g = fixtures.guild(id());
    await cache.apply([mutation.set('guild', g)]);
    await sql(`UPDATE ${tableOf(cache.schema, 'guild')} SET v = 7 WHERE k = $1`, [g.id]);
    const err = await cache.getGuild(g.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidDataFound);
    expect((err as InvalidDataFound).key).toBe(`${cache.schema}.guilds/${g.id}`);
    await expect(cache.apply([mutation.merge('guild', { guildId: g.id }, { name: 'x' })])).rejects.toBeInstanceOf(InvalidDataFound);
    // A set overwrites what could not be read.
    await cache.apply([mutation.set('guild', g)]);
    expect(await cache.getGuild(g.id)).toEqual(g);
  });

  it('two schemas are two caches: writes, reads and clears of one never reach the other', async () => {
    const [a, b] = [await opened(), await opened()];
    const g = fixtures.guild(id());
    await a.apply([mutation.set('guild', g)]);
    await expect(b.getGuild(g.id)).rejects.toBeInstanceOf(EntryNotFound);
    await b.apply([mutation.set('guild', g)]);
    await b.clearGuilds();
    expect(await a.getGuild(g.id)).toEqual(g);
  });

  it('a role that may create nothing outside the schema its DBA gave it runs a whole workload', async () => {
    const role = uniqueSchema('role');
    await sql(`CREATE ROLE ${role} LOGIN`);
    // No CREATE on the database (PostgreSQL 15 gives none on public either): only its own schema.
    await sql(`CREATE SCHEMA ${role} AUTHORIZATION ${role}`);
    try {
      const url = pgUrl().replace(/\/\/[^@/]*@/, `//${role}@`);
      const cache = new PostgresCache(url, { schema: role, userTtlMs: 1_000 });
      caches.push(cache);
      await cache.open();
      const guildId = id();
      const u = fixtures.user(id());
      const msg = fixtures.message(id(), id(), u, guildId);
      const batch: Mutation[] = [
        mutation.set('guild', fixtures.guild(guildId)),
        mutation.replaceForGuild('member', guildId, [fixtures.member(guildId, u, { roles: [id()] })]),
        mutation.set('message', msg, { channelLimit: 2, ttlMs: 60_000 }),
        mutation.react(msg.id, { op: 'add', emoji: { id: null, name: 'x' }, burst: false, me: false }),
        mutation.set('me', fixtures.user(id())),
      ];
      await cache.apply(batch, { old: [2, 3] });
      expect((await cache.getMember(guildId, u.id)).user).toEqual(u);
      expect(await cache.iterMessagesForChannel(msg.channel_id).len()).toBe(1);
      await cache.clearMembersForGuild(guildId);
      await cache.clearMessages();
      await cache.sweep();
      const outside = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1 AND s.nspname NOT IN ($1, 'pg_toast')`,
        [role],
      );
      // Its tables' TOAST storage lives in pg_toast by PostgreSQL's design; nothing else may exist outside.
      expect(outside[0]!.n).toBe(0);
      await cache.close();
    } finally {
      await sql(`DROP SCHEMA IF EXISTS ${role} CASCADE`);
      await sql(`DROP ROLE ${role}`);
    }
  });
});
