/**
 * A batch's end state as one statement: per table, a DELETE of the keys it
 * removed, a multi-row INSERT … ON CONFLICT DO UPDATE of the rows it wrote
 * (columns passed as parallel arrays, unpacked by `unnest`; the entities as
 * one JSON array text unpacked by `json_array_elements`, which hands each
 * element on as the exact text `JSON.stringify` wrote — `json_to_recordset`
 * would de-escape nested strings and refuse a `\u0000`, and a `text[]` of the
 * entities made node-postgres escape every quote of every entity, the largest
 * cost of sending a batch), and an
 * UPDATE of the rows whose expiry alone changed — all as data-modifying CTEs
 * of a single statement, whatever the batch size. The three key sets of a
 * table are disjoint (each key ends in one state), so the CTEs never touch a
 * row twice.
 */
import type { ResourceName } from '@sake/abc';
import { encode, type EncodedTexts } from './codec.js';
import type { Statement } from './connection.js';
import { columnsOf, qualified, ROW_FORMAT, TABLES } from './schema.js';
import type { Tables } from './semantics.js';

/**
 * The statement writing every change of `tables`, or `undefined` when the batch changed nothing; an
 * entity found in `texts` is stored as that text (encoded ahead of the transaction).
 */
export function flushStatement(schema: string, tables: Tables, texts?: EncodedTexts): Statement | undefined {
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
      const keys = param(upserts.map((u) => u.k));
      const parents = columns.map((c) => `${param(upserts.map((u) => u.parents.get(scopeByColumn[c]!) ?? null))}::text[]`);
      const expiries = param(upserts.map((u) => u.expiresAt ?? null));
      const data = param(`[${upserts.map((u) => texts?.get(u.value) ?? encode(u.value)).join(',')}]`);
      const names = ['k', ...columns, 'e', 'd'];
      const arrays = [`${keys}::text[]`, ...parents, `${expiries}::bigint[]`];
      ctes.push(
        `u${n} AS (INSERT INTO ${table} AS t (k${columns.map((c) => `, ${c}`).join('')}, v, expires_at, data)
          SELECT x.k${columns.map((c) => `, x.${c}`).join('')}, ${ROW_FORMAT}, x.e, x.d
          FROM ROWS FROM (${arrays.map((a) => `unnest(${a}), `).join('')}json_array_elements(${data}::json)) AS x(${names.join(', ')})
          ON CONFLICT (k) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}, `).join('')}v = EXCLUDED.v, expires_at = EXCLUDED.expires_at, data = EXCLUDED.data)`,
      );
    }
    if (expiries.length > 0) {
      const keys = param(expiries.map((x) => x.k));
      const at = param(expiries.map((x) => x.expiresAt ?? null));
      ctes.push(`x${n} AS (UPDATE ${table} t SET expires_at = x.e FROM unnest(${keys}::text[], ${at}::bigint[]) AS x(k, e) WHERE t.k = x.k)`);
    }
  }
  if (ctes.length === 0) return undefined;
  return { text: `WITH ${ctes.join(',\n')}\nSELECT 1`, values };
}
