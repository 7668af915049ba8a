/**
 * The read path: `get*` as one primary-key lookup (grouped per tick in
 * point-reads.ts), `iter*` as keyset windows
 * over the primary key or a `(parent column, k)` index, `len()` as a server
 * side `count(*)`, whole-resource clears. Expired rows (`expires_at` passed)
 * are never returned, whether or not a sweep has removed them yet. Members
 * are joined with their user row in the same statement.
 */
import type { ResourceName } from '@sake/abc';
import { decode, joinMember, type Entity } from './codec.js';
import type { Connection, Statement } from './connection.js';
import { qualified, TABLES } from './schema.js';

/** What a read needs besides its arguments. */
export interface ReadContext {
  readonly conn: Connection;
  readonly schema: string;
  readonly now: () => number;
  readonly window: number;
  /** Throws `ClosedClient` when the cache is closed (checked before each window and entry). */
  readonly assertAlive: () => void;
}

const LIVE = (alias: string, param: string): string => `(${alias}.expires_at IS NULL OR ${alias}.expires_at > ${param})`;

/** `SELECT … FROM` of a resource: `k, v, data` (members: plus their user's `uv, udata`). `$1` is the clock. */
export function selectFrom(schema: string, resource: ResourceName): string {
  const t = qualified(schema, resource);
  if (resource !== 'member') return `SELECT e.k, e.v, e.data FROM ${t} e`;
  return `SELECT e.k, e.v, e.data, u.v AS uv, u.data AS udata FROM ${t} e LEFT JOIN ${qualified(schema, 'user')} u ON u.k = e.user_id AND ${LIVE('u', '$1')}`;
}

/** A row as the reads select it. */
export interface Row extends Record<string, unknown> {
  k: string;
  v: unknown;
  data: unknown;
  uv?: unknown;
  udata?: unknown;
}

/** The public entity of a row (members joined with their user). */
export function entityOf(ctx: ReadContext, resource: ResourceName, row: Row): Entity {
  const value = decode(ctx.schema, resource, row.k, row.v, row.data);
  if (resource !== 'member') return value;
  const userId = String((value.user as Entity | undefined)?.id ?? '');
  const user = row.udata === null || row.udata === undefined ? undefined : decode(ctx.schema, 'user', userId, row.uv, row.udata);
  return joinMember(value, user);
}

/** The `WHERE` of a (possibly scoped) window after `$1` = clock: the scope id is `$2`, the last key `$3`. */
function scopeColumn(resource: ResourceName, scope: string | undefined): string | undefined {
  if (scope === undefined) return undefined;
  const column = TABLES[resource].scopes[scope];
  if (column === undefined) throw new TypeError(`${resource} has no ${scope} index`);
  return column;
}

/** Every live entry of a resource (or of one parent), in key order, one window at a time. */
export async function* iterEntries(ctx: ReadContext, resource: ResourceName, scope?: string, parent?: string): AsyncGenerator<Entity> {
  const column = scopeColumn(resource, scope);
  const where = column === undefined ? `e.k > $2` : `e.${column} = $3 AND e.k > $2`;
  const text = `${selectFrom(ctx.schema, resource)} WHERE ${where} AND ${LIVE('e', '$1')} ORDER BY e.k LIMIT ${ctx.window}`;
  const name = `sake:${ctx.schema}:iter:${resource}:${column ?? ''}:${ctx.window}`;
  let after = '';
  for (;;) {
    ctx.assertAlive();
    const values = column === undefined ? [ctx.now(), after] : [ctx.now(), after, parent];
    const rows = await ctx.conn.query<Row>({ name, text, values }, `iterate ${resource}${column ? ` for ${scope} ${parent}` : ''}`);
    for (const row of rows) {
      // Checked per entry: a close() between two entries of a `for await` ends the iteration.
      ctx.assertAlive();
      yield entityOf(ctx, resource, row);
    }
    if (rows.length < ctx.window) return;
    after = rows[rows.length - 1]!.k;
  }
}

/** How many live entries a resource (or one parent) has, counted on the server. */
export async function countEntries(ctx: ReadContext, resource: ResourceName, scope?: string, parent?: string): Promise<number> {
  ctx.assertAlive();
  const column = scopeColumn(resource, scope);
  const where = column === undefined ? '' : `e.${column} = $2 AND `;
  const rows = await ctx.conn.query<{ n: number }>(
    {
      name: `sake:${ctx.schema}:count:${resource}:${column ?? ''}`,
      text: `SELECT count(*)::int AS n FROM ${qualified(ctx.schema, resource)} e WHERE ${where}${LIVE('e', '$1')}`,
      values: column === undefined ? [ctx.now()] : [ctx.now(), parent],
    },
    `count ${resource}`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * The statement removing every entry of a resource. Clearing members starts the retention time of the
 * users they referred to (`userTtlMs`), as deleting them one by one would: every member is gone, so
 * none of those users is referred to any more.
 */
export function clearAllStatement(ctx: ReadContext, resource: ResourceName, userTtlMs: number | undefined): Statement {
  const table = qualified(ctx.schema, resource);
  if (resource !== 'member' || userTtlMs === undefined) return { text: `DELETE FROM ${table}` };
  const now = ctx.now();
  return {
    text: `WITH gone AS (DELETE FROM ${table} e WHERE true RETURNING e.user_id, e.expires_at)
      UPDATE ${qualified(ctx.schema, 'user')} u SET expires_at = $2
      WHERE u.k IN (SELECT user_id FROM gone g WHERE ${LIVE('g', '$1')})`,
    values: [now, now + userTtlMs],
  };
}
