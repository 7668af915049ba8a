/**
 * A {@link LoadPlan} as one statement (a UNION ALL of primary-key and
 * parent-index lookups, whatever the batch size), and its rows put into the
 * batch's overlay tables.
 */
import type { ResourceName } from '@sake/abc';
import type { Statement } from './connection.js';
import type { LoadPlan } from './plan.js';
import { columnsOf, qualified, SCOPE_COLUMNS, TABLES } from './schema.js';
import type { Tables } from './semantics.js';

/** `k, guild_id, channel_id, user_id, author_id, expires_at`: the columns every branch returns, NULL where a table has none. */
function head(resource: ResourceName): string {
  const own = new Set(columnsOf(resource));
  const cols = SCOPE_COLUMNS.map((c) => (own.has(c) ? `t.${c}` : `NULL::text AS ${c}`));
  return `SELECT ${RESOURCE_CODES.indexOf(resource)} AS r, t.k, ${cols.join(', ')}, t.expires_at`;
}

/** Resources by a small code, so rows name their table without a text column. */
const RESOURCE_CODES: readonly ResourceName[] = Object.keys(TABLES) as ResourceName[];

/** The statement loading everything in `plan`, or `undefined` when it loads nothing. */
export function loadStatement(schema: string, plan: LoadPlan): Statement | undefined {
  const parts: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  for (const [resource, keys] of plan.points) {
    parts.push(`${head(resource)}, true AS d, t.v, t.data FROM ${qualified(schema, resource)} t WHERE t.k = ANY(${param([...keys])}::text[])`);
  }
  for (const [resource, scopes] of plan.scopes) {
    for (const [scope, parents] of scopes) {
      const column = TABLES[resource].scopes[scope]!;
      parts.push(
        `${head(resource)}, false AS d, NULL::smallint AS v, NULL::json AS data FROM ${qualified(schema, resource)} t WHERE t.${column} = ANY(${param([...parents])}::text[])`,
      );
    }
  }
  for (const { guildId, roleId } of plan.roleScans) {
    // Only members whose stored text holds the quoted role id come back (with data): a role delete in a
    // big guild reads few rows. A text match, not `data->'roles'`: json operators de-escape the
    // document and refuse a \u0000 anywhere in it. It may also match the id elsewhere in a member;
    // the semantics check `roles` itself.
    parts.push(
      `${head('member')}, true AS d, t.v, t.data FROM ${qualified(schema, 'member')} t WHERE t.guild_id = ${param(guildId)} AND t.data::text LIKE ${param(`%"${roleId}"%`)}`,
    );
  }
  if (parts.length === 0) return undefined;
  return { text: parts.join('\nUNION ALL\n'), values };
}

/** Put the loaded rows into `tables`: every planned parent is marked loaded, every key looked up and not found is marked absent. */
export function fillTables(tables: Tables, plan: LoadPlan, rows: readonly Record<string, unknown>[]): void {
  for (const [resource, scopes] of plan.scopes) {
    for (const [scope, parents] of scopes) for (const parent of parents) tables[resource].loadedScope(scope, parent);
  }
  for (const row of rows) {
    const resource = RESOURCE_CODES[row.r as number]!;
    const parents = new Map<string, string>();
    for (const [scope, column] of Object.entries(TABLES[resource].scopes)) {
      const id = row[column];
      if (typeof id === 'string') parents.set(scope, id);
    }
    const expires = row.expires_at;
    tables[resource].load({
      k: row.k as string,
      parents,
      expiresAt: expires === null || expires === undefined ? undefined : Number(expires),
      raw: row.d === true ? { v: row.v, data: row.data } : undefined,
    });
  }
  for (const [resource, keys] of plan.points) for (const key of keys) tables[resource].loadedAbsent(key);
}
