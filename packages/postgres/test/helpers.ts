/** Shared helpers of the @sake/postgres tests: the server from the global setup, fresh schemas, raw SQL. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { KeyMap, ResourceName } from '@sake/abc';
import { PostgresCache, TABLES, type PostgresCacheOptions } from '@sake/postgres';

/** The PostgreSQL URL from the global setup (a private server, or PG_URL). */
export function pgUrl(): string {
  return inject('pgUrl');
}

/** Every schema the tests of this file named (dropped by {@link endSql} on a server of the user's). */
const schemas: string[] = [];

/** A schema name no other test uses, so tests can share one server. */
export function uniqueSchema(tag = 't'): string {
  const name = `sake_${tag}_${randomBytes(5).toString('hex')}`;
  schemas.push(name);
  return name;
}

/** A cache in a fresh schema (not opened). */
export function freshCache(options: PostgresCacheOptions = {}): PostgresCache {
  return new PostgresCache(pgUrl(), { schema: uniqueSchema(), ...options });
}

let pool: pg.Pool | undefined;

/** Run raw SQL on the test server (one pool per test file; {@link endSql} closes it). */
export async function sql<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
  pool ??= new pg.Pool({ connectionString: pgUrl(), max: 2 });
  return (await pool.query<Row>(text, values)).rows;
}

/**
 * Close the raw SQL pool; on a server of the user's (PG_URL) first drop every schema this file's
 * tests made (the private server is deleted whole by the global setup).
 */
export async function endSql(): Promise<void> {
  if (process.env.PG_URL) {
    for (const schema of schemas.splice(0)) await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
  await pool?.end();
  pool = undefined;
}

/** The `k` of an entry, from its key (as the cache stores it). */
export function rowKey(resource: ResourceName, key: KeyMap[ResourceName]): string {
  const k = key as Record<string, string>;
  if (resource === 'member' || resource === 'presence' || resource === 'voiceState') return `${k.guildId}/${k.userId}`;
  if (resource === 'me') return 'me';
  return Object.values(k)[0]!;
}

/** `"schema"."table"` of a resource. */
export function tableOf(schema: string, resource: ResourceName): string {
  return `"${schema}"."${TABLES[resource].table}"`;
}

/** The conformance suite's `corrupt` hook: the row's data becomes a JSON array, which no entity is. */
export async function corruptEntry(cache: PostgresCache, resource: ResourceName, key: KeyMap[ResourceName]): Promise<void> {
  const rows = await sql(`UPDATE ${tableOf(cache.schema, resource)} SET data = '[1, 2, 3]'::json WHERE k = $1 RETURNING k`, [rowKey(resource, key)]);
  if (rows.length !== 1) throw new Error(`corruptEntry: no ${resource} row ${rowKey(resource, key)} in ${cache.schema}`);
}
