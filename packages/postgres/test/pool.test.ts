/**
 * PostgresCache on a pool the caller made (a plain `pg.Pool`, no pipelining: each statement of a
 * batch then waits for the one before it): the conformance suite for the resources whose writes
 * load the most (members joined with users, messages with channel limits, reactions, expiry), and
 * `close()` leaving the caller's pool usable.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { mutation } from '@sake/abc';
import { fixtures, runConformance } from '@sake/conformance';
import { PostgresCache } from '@sake/postgres';
import { endSql, pgUrl, uniqueSchema } from './helpers.js';

let shared: pg.Pool | undefined;
const pool = (): pg.Pool => (shared ??= new pg.Pool({ connectionString: pgUrl(), max: 4 }));
afterAll(async () => {
  await shared?.end();
  await endSql();
}, 300_000);

runConformance("PostgresCache on a caller's pg.Pool (not pipelined)", () => new PostgresCache(pool(), { schema: uniqueSchema('pool'), sweepIntervalMs: 0 }), {
  resources: ['member', 'user', 'message'],
  reportsOld: true,
  honoursAfter: true,
});

describe('a pool passed in', () => {
  it('is used as it is: close() leaves it open for its owner, and the cache opens on it again', async () => {
    const cache = new PostgresCache(pool(), { schema: uniqueSchema('pool'), sweepIntervalMs: 0 });
    await cache.open();
    const g = fixtures.guild('1000000000000000001');
    await cache.apply([mutation.set('guild', g)]);
    await cache.close();
    expect((await pool().query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    await cache.open();
    expect(await cache.getGuild(g.id)).toEqual(g);
    await cache.close();
  });
});
