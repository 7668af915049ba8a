/**
 * A batch's end state as one statement: per table, a DELETE of the keys it
 * removed, a multi-row INSERT … ON CONFLICT DO UPDATE of the rows it wrote
 * (rows passed as one JSON array, unpacked by `json_to_recordset`), and an
 * UPDATE of the rows whose expiry alone changed — all as data-modifying CTEs
 * of a single statement, whatever the batch size. The three key sets of a
 * table are disjoint (each key ends in one state), so the CTEs never touch a
 * row twice.
 */
import type { ResourceName } from '@sake/abc';
import { encode } from './codec.js';
import type { Statement } from './connection.js';
import { columnsOf, qualified, ROW_FORMAT, TABLES } from './schema.js';
import type { Tables } from './semantics.js';

/** The statement writing every change of `tables`, or `undefined` when the batch changed nothing. */
export function flushStatement(schema: string, tables: Tables): Statement | undefined {
  const ctes: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  for (const resource of Object.keys(TABLES) as ResourceName[]) {
    const { upserts, deletes, expiries } = tables[resource].changes();
    const table = qualified(schema, resource);
    const n = ctes.length;
    if (deletes.length > 0) ctes.push(`d${n} AS (DELETE FROM ${table} t WHERE t.k = ANY(${param(deletes)}::text[]))`);
    if (upserts.length > 0) {
      const scopeByColumn = Object.fromEntries(Object.entries(TABLES[resource].scopes).map(([scope, column]) => [column, scope]));
      const columns = columnsOf(resource);
      const rows = upserts.map((u) => {
        const row: Record<string, unknown> = { k: u.k, e: u.expiresAt ?? null, d: u.value };
        for (const column of columns) row[column] = u.parents.get(scopeByColumn[column]!) ?? null;
        return row;
      });
      const typed = columns.map((c) => `, ${c} text`).join('');
      const set = columns.map((c) => `${c} = EXCLUDED.${c}, `).join('');
      ctes.push(
        `u${n} AS (INSERT INTO ${table} AS t (k${columns.map((c) => `, ${c}`).join('')}, v, expires_at, data)
          SELECT x.k${columns.map((c) => `, x.${c}`).join('')}, ${ROW_FORMAT}, x.e, x.d FROM json_to_recordset(${param(encode(rows as never))}::json) AS x(k text${typed}, e bigint, d json)
          ON CONFLICT (k) DO UPDATE SET ${set}v = EXCLUDED.v, expires_at = EXCLUDED.expires_at, data = EXCLUDED.data)`,
      );
    }
    if (expiries.length > 0) {
      const rows = expiries.map((x) => ({ k: x.k, e: x.expiresAt ?? null }));
      ctes.push(`x${n} AS (UPDATE ${table} t SET expires_at = x.e FROM json_to_recordset(${param(encode(rows as never))}::json) AS x(k text, e bigint) WHERE t.k = x.k)`);
    }
  }
  if (ctes.length === 0) return undefined;
  return { text: `WITH ${ctes.join(',\n')}\nSELECT 1`, values };
}
