/**
 * A private PostgreSQL that dies (SIGKILL, mid-batch too), a statement that
 * waits too long, credentials that never leak, ids refused before any I/O.
 */
import { inspect } from 'node:util';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BackendError, ClosedClient, mutation, type Mutation } from '@sake/abc';
import { fixtures } from '@sake/conformance';
import { PostgresCache } from '@sake/postgres';
import { startPostgresServer, type PostgresServer } from '@sake/postgres-server';
import { endSql, freshCache, pgUrl, tableOf, uniqueSchema } from './helpers.js';

const TIMEOUT = 800;
const servers: PostgresServer[] = [];
const caches: PostgresCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(endSql);

async function server(): Promise<PostgresServer> {
  const s = await startPostgresServer();
  servers.push(s);
  return s;
}

function track(cache: PostgresCache): PostgresCache {
  caches.push(cache);
  return cache;
}

/** Resolve with the error `fn` rejects with, and how long that took. */
async function failure(fn: () => Promise<unknown>, what = 'the call'): Promise<{ err: unknown; ms: number }> {
  const start = Date.now();
  try {
    await fn();
  } catch (err) {
    return { err, ms: Date.now() - start };
  }
  throw new Error(`expected ${what} to reject`);
}

async function eventually<T>(fn: () => Promise<T>, tries = 100): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const ids = fixtures.snowflakes(7_000_000);

/** A guild with `n` members (and their users) as one GUILD_CREATE-like batch. */
function guildBatch(n: number): { guildId: string; batch: Mutation[] } {
  const guildId = ids();
  const members = Array.from({ length: n }, () => fixtures.member(guildId, fixtures.user(ids()), { roles: [ids()] }));
  return { guildId, batch: [mutation.set('guild', fixtures.guild(guildId)), mutation.replaceForGuild('member', guildId, members)] };
}

describe('a server that dies', () => {
  it('reads and writes turn into BackendError within the timeout; after a restart the cache works again and kept what was confirmed', async () => {
    const s = await server();
    const cache = track(new PostgresCache(s.url, { schema: uniqueSchema('kill'), commandTimeoutMs: TIMEOUT, connectTimeoutMs: TIMEOUT }));
    await cache.open();
    const { guildId, batch } = guildBatch(3);
    await cache.apply(batch);
    await s.kill9();
    const calls: Array<() => Promise<unknown>> = [
      () => cache.getGuild(guildId),
      () => cache.apply(guildBatch(2).batch),
      () => cache.iterMembersForGuild(guildId).toArray(),
      () => cache.iterGuilds().len(),
    ];
    for (const call of calls) {
      const { err, ms } = await failure(call);
      expect(err).toBeInstanceOf(BackendError);
      expect(err).not.toBeInstanceOf(ClosedClient);
      // Within the timeout: a refused connection fails at once (generous bound, not a benchmark).
      expect(ms).toBeLessThan(TIMEOUT + 1500);
    }
    await s.restart();
    const back = await eventually(() => cache.getGuild(guildId));
    expect(back.id).toBe(guildId);
    expect(await cache.iterMembersForGuild(guildId).len()).toBe(3);
    const next = guildBatch(2);
    await cache.apply(next.batch);
    expect(await cache.iterMembersForGuild(next.guildId).len()).toBe(2);
  });

  it('a batch cut by SIGKILL is all or nothing, a confirmed one is all there, and the cache works after the restart', async () => {
    const s = await server();
    const schema = uniqueSchema('cut');
    const cache = track(new PostgresCache(s.url, { schema, commandTimeoutMs: 10_000, connectTimeoutMs: 2_000 }));
    await cache.open();
    const N = 10_000;
    const outcomes: string[] = [];
    // Kill when the batch's write statement is running inside its transaction (seen from another
    // connection), and once more right after the first statement of the batch started.
    for (const moment of ['writing', 'writing', 'begun'] as const) {
      const { guildId, batch } = guildBatch(N);
      const watcher = new pg.Client({ connectionString: s.url });
      await watcher.connect();
      watcher.on('error', () => {});
      const writing = cache.apply(batch).then(
        () => 'confirmed',
        (err: unknown) => (err instanceof BackendError ? 'failed' : `unexpected ${String(err)}`),
      );
      const pattern = moment === 'writing' ? 'WITH %' : '%';
      for (let i = 0; i < 2_000; i++) {
        const seen = await watcher.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sake' AND state = 'active' AND query LIKE $1 AND xact_start IS NOT NULL`,
          [pattern],
        );
        if (seen.rows[0]!.n > 0) break;
      }
      await s.kill9();
      const outcome = await writing;
      await s.restart();
      const raw = new pg.Client({ connectionString: s.url });
      await raw.connect();
      try {
        const members = (await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".members WHERE guild_id = $1`, [guildId])).rows[0]!.n;
        const users = (
          await raw.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${schema}".users u JOIN "${schema}".members m ON m.user_id = u.k WHERE m.guild_id = $1`,
            [guildId],
          )
        ).rows[0]!.n;
        const guilds = (await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".guilds WHERE k = $1`, [guildId])).rows[0]!.n;
        expect(outcome).not.toMatch(/^unexpected/);
        // All or nothing: the guild, every member and every user, or none of them.
        expect([`${outcome} 0/0/0`, `${outcome} ${N}/${N}/1`]).toContain(`${outcome} ${members}/${users}/${guilds}`);
        if (outcome === 'confirmed') expect(members).toBe(N);
        outcomes.push(`${moment}:${outcome}:${members}`);
      } finally {
        await raw.end();
      }
      // The same cache instance carries on once the server is back.
      await eventually(() => cache.iterGuilds().len());
    }
    // At least one kill must have cut a batch, or the test proved nothing about a half-applied batch.
    expect(
      outcomes.some((o) => o.includes(':failed:')),
      outcomes.join(', '),
    ).toBe(true);
    const after = guildBatch(5);
    await cache.apply(after.batch);
    expect(await cache.iterMembersForGuild(after.guildId).len()).toBe(5);
  }, 120_000);
});

describe('statements that wait too long', () => {
  it("a read and a batch blocked by another session's table lock reject with BackendError within commandTimeoutMs, and nothing stays stuck", async () => {
    const cache = track(freshCache({ commandTimeoutMs: TIMEOUT }));
    await cache.open();
    const blocker = new pg.Client({ connectionString: pgUrl() });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE ${tableOf(cache.schema, 'guild')} IN ACCESS EXCLUSIVE MODE`);
      for (const call of [() => cache.getGuild('1'), () => cache.apply([mutation.set('guild', fixtures.guild(ids()))])]) {
        const { err, ms } = await failure(call);
        expect(err).toBeInstanceOf(BackendError);
        expect(String((err as Error).message)).toMatch(/timeout|cancel/i);
        expect(ms).toBeLessThan(TIMEOUT + 1500);
      }
      await blocker.query('ROLLBACK');
      // Nothing stuck behind: the next calls go through.
      await cache.apply([mutation.set('guild', fixtures.guild(ids()))]);
      expect(await cache.iterGuilds().len()).toBe(1);
    } finally {
      await blocker.end();
    }
  });
});

describe('credentials and ids', () => {
  it('a password in the URL never appears in an error, its stack or its inspection', async () => {
    const secret = 'S3cr3t-Passw0rd';
    // A refused connection, and a server that answers with an error (a database that does not exist).
    for (const url of [
      `postgres://sake:${secret}@127.0.0.1:1/postgres`,
      pgUrl()
        .replace('sake@', `sake:${secret}@`)
        .replace(/\/postgres$/, '/no_such_db'),
    ]) {
      const cache = track(new PostgresCache(url, { schema: uniqueSchema('cred'), connectTimeoutMs: TIMEOUT }));
      const { err } = await failure(() => cache.open(), 'open()');
      expect(err).toBeInstanceOf(BackendError);
      const shown = `${String(err)}\n${(err as Error).stack ?? ''}\n${inspect(err, { depth: 6 })}`;
      expect(shown).not.toContain(secret);
    }
  });

  it('malformed ids are a TypeError at the call, before any I/O (even on a cache that was never opened)', async () => {
    const cache = new PostgresCache('postgres://sake@127.0.0.1:1/postgres', { schema: uniqueSchema('ids') });
    expect(() => cache.getMember('12 34', '1')).toThrow(TypeError);
    expect(() => cache.deleteGuild(-1n)).toThrow(TypeError);
    expect(() => cache.iterMessagesForChannel('*')).toThrow(TypeError);
    expect(() => cache.getInvite('no/slash')).toThrow(TypeError);
    await expect(cache.apply([mutation.delete('guild', { guildId: '1\r\nFLUSHALL' })])).rejects.toBeInstanceOf(TypeError);
    expect(() => new PostgresCache(pgUrl(), { schema: 'bad"name' })).toThrow(TypeError);
  });
});
