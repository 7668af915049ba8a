/**
 * The whole relational layout in one place: one table per resource under the
 * configured schema, its parent-index columns, the DDL, and the schema
 * version check `open()` runs.
 *
 * Every table has the same shape, so reads and writes are generated from
 * {@link TABLES} instead of being written per resource:
 *
 * - `k text COLLATE "C" PRIMARY KEY`: the entry's key (`<guild>/<user>` for
 *   members, presences and voice states; the invite code; `me` for me; the
 *   id otherwise). "C" collation: byte order, so keyset pagination is cheap.
 * - one `text COLLATE "C"` column per parent index (`guild_id`, `channel_id`,
 *   `user_id`, `author_id`), each with a `(column, k)` index: what the
 *   `iter…For` / `clear…For` windows and the write planner's scope loads use.
 * - `v smallint`: the row's format version ({@link ROW_FORMAT}).
 * - `expires_at bigint`: epoch ms after which the row is gone (null: never),
 *   with a partial index for the sweep.
 * - `data json`: the entity (a member without its user: `user: { id }`).
 */
import type { ResourceName } from '@sake/abc';
import { BackendError } from '@sake/errors';

/** The version of the table layout this package writes and reads. */
export const SCHEMA_VERSION = 1;

/** The format version every row carries in `v` (an unknown one is `InvalidDataFound`). */
export const ROW_FORMAT = 1;

/** A parent index column. */
export type ScopeColumn = 'guild_id' | 'channel_id' | 'user_id' | 'author_id';

/** Every scope column, in the order loads return them. */
export const SCOPE_COLUMNS: readonly ScopeColumn[] = ['guild_id', 'channel_id', 'user_id', 'author_id'];

/** One resource's table. */
export interface TableSpec {
  /** Unquoted table name inside the schema. */
  readonly table: string;
  /** The parent indexes: scope name (as in `ScopeMap`) → column. */
  readonly scopes: Readonly<Record<string, ScopeColumn>>;
}

/** The table of every resource. */
export const TABLES: { readonly [R in ResourceName]: TableSpec } = {
  guild: { table: 'guilds', scopes: {} },
  channel: { table: 'channels', scopes: { guild: 'guild_id' } },
  emoji: { table: 'emojis', scopes: { guild: 'guild_id' } },
  role: { table: 'roles', scopes: { guild: 'guild_id' } },
  member: { table: 'members', scopes: { guild: 'guild_id', user: 'user_id' } },
  presence: { table: 'presences', scopes: { guild: 'guild_id', user: 'user_id' } },
  voiceState: { table: 'voice_states', scopes: { guild: 'guild_id', channel: 'channel_id' } },
  message: { table: 'messages', scopes: { guild: 'guild_id', channel: 'channel_id', author: 'author_id' } },
  invite: { table: 'invites', scopes: { guild: 'guild_id', channel: 'channel_id' } },
  user: { table: 'users', scopes: {} },
  me: { table: 'me', scopes: {} },
};

/** The scope columns a table has, in {@link SCOPE_COLUMNS} order. */
export function columnsOf(resource: ResourceName): ScopeColumn[] {
  const own = new Set(Object.values(TABLES[resource].scopes));
  return SCOPE_COLUMNS.filter((c) => own.has(c));
}

/** `"schema"."table"`, both quoted. */
export function qualified(schema: string, resource: ResourceName): string {
  return `${quoteIdent(schema)}.${quoteIdent(TABLES[resource].table)}`;
}

/** A quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Check the `schema` option: a plain identifier (a `TypeError` otherwise, before any I/O). */
export function checkSchemaName(name: unknown): string {
  if (typeof name === 'string' && SCHEMA_NAME.test(name)) return name;
  throw new TypeError(`schema must be an identifier ([A-Za-z_][A-Za-z0-9_]{0,62}), got ${JSON.stringify(name)}`);
}

/**
 * The two int4 halves of the advisory lock that serialises this schema's DDL
 * and write batches (FNV-1a of the schema name under a fixed class id), so two
 * caches on different schemas never wait on each other.
 */
export function lockKey(schema: string): [number, number] {
  let h = 0x811c9dc5;
  for (let i = 0; i < schema.length; i++) {
    h ^= schema.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return [0x5a4b4501, h | 0];
}

/**
 * The statement taking the schema's write lock for the rest of the transaction: every write (batches,
 * deletes, clears, sweeps, and the DDL of `open()`) holds it, so writes of every process apply one
 * after another and a batch's loaded rows cannot change under it.
 */
export function lockStatement(schema: string): { name: string; text: string; values: number[] } {
  return { name: 'sake:lock', text: 'SELECT pg_advisory_xact_lock($1, $2)', values: lockKey(schema) };
}

/** The DDL that creates every table and index (idempotent). */
export function createStatements(schema: string): string[] {
  const out: string[] = [];
  for (const resource of Object.keys(TABLES) as ResourceName[]) {
    const table = qualified(schema, resource);
    const name = TABLES[resource].table;
    const scopeCols = columnsOf(resource).map((c) => `${c} text COLLATE "C",`);
    out.push(
      `CREATE TABLE IF NOT EXISTS ${table} (k text COLLATE "C" PRIMARY KEY, ${scopeCols.join(' ')} v smallint NOT NULL, expires_at bigint, data json NOT NULL)`,
    );
    for (const column of columnsOf(resource)) {
      out.push(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`${name}_${column}`)} ON ${table} (${column}, k)`);
    }
    out.push(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`${name}_expiry`)} ON ${table} (expires_at) WHERE expires_at IS NOT NULL`);
  }
  return out;
}

/** What {@link checkVersion} does with the version it found. */
export type VersionAction = 'create' | 'ok';

/**
 * Decide what `open()` does with the stored schema version: none → create
 * the tables; ours → nothing to do; anything else (newer, or not a number) →
 * refuse with a `BackendError` naming the schema, before anything is written.
 */
export function checkVersion(schema: string, stored: string | undefined): VersionAction {
  if (stored === undefined) return 'create';
  const version = /^\d+$/.test(stored) ? Number(stored) : Number.NaN;
  if (version === SCHEMA_VERSION) return 'ok';
  if (version > SCHEMA_VERSION) {
    throw new BackendError(
      `schema ${JSON.stringify(schema)} has sake table layout ${version}, newer than this @sake/postgres (layout ${SCHEMA_VERSION}): upgrade @sake/postgres`,
    );
  }
  throw new BackendError(
    `schema ${JSON.stringify(schema)} has an unknown sake table layout ${JSON.stringify(stored)} (this @sake/postgres writes ${SCHEMA_VERSION}): refusing to touch it`,
  );
}

/** `"schema".meta`: one row per setting, `layout` = {@link SCHEMA_VERSION}. */
export function metaTable(schema: string): string {
  return `${quoteIdent(schema)}.meta`;
}
