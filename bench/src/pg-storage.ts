/**
 * `node bench/dist/pg-storage.js [members]`: how PostgresCache should store an
 * entity, measured in one run on a private PostgreSQL (or PG_URL, in a schema
 * of its own): the same realistic members written into a `jsonb`, a `json` and
 * a `bytea` column holding msgpack (msgpackr — what @sake/redis' codec is built
 * on) and one holding JSON text, each through the write path PostgresCache uses (batches of 1000 rows
 * through `unnest` with ON CONFLICT), then read back by key one at a time and
 * whole table in keyset windows of 500, each decoded in Node. Also: the table's
 * size on disk, and whether a NUL and a lone surrogate survive the trip.
 */
import { randomBytes } from 'node:crypto';
import { pack, unpack } from 'msgpackr';
import pg from 'pg';
import { startPostgresServer } from '@sake/postgres-server';
import { buildIngestDataset } from './dataset.js';
import { median, now, percentile } from './stats.js';

/** A column type and what goes in it: `bytea` holds msgpack, `bytea-json` holds JSON text as UTF-8. */
type Format = 'jsonb' | 'json' | 'bytea' | 'bytea-json';
const FORMATS: readonly Format[] = ['jsonb', 'json', 'bytea', 'bytea-json'];

function encode(format: Format, value: unknown): string | Buffer {
  if (format === 'bytea') return pack(value);
  return format === 'bytea-json' ? Buffer.from(JSON.stringify(value)) : JSON.stringify(value);
}

function decode(format: Format, raw: unknown): unknown {
  // node-postgres already ran JSON.parse for json/jsonb; bytea arrives as a Buffer.
  if (format === 'bytea') return unpack(raw as Buffer);
  return format === 'bytea-json' ? JSON.parse((raw as Buffer).toString('utf8')) : raw;
}

const binary = (format: Format): boolean => format === 'bytea' || format === 'bytea-json';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20_000);
  const external = process.env.PG_URL || undefined;
  const server = external === undefined ? await startPostgresServer() : undefined;
  const client = new pg.Client({ connectionString: external ?? server!.url });
  await client.connect();
  const schema = `bench_storage_${randomBytes(4).toString('hex')}`;
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
    const dataset = buildIngestDataset({ seed: 99, guildSizes: [count] });
    const members = dataset.guilds.flatMap((g) => g.members.map((m) => ({ k: `${g.guildId}/${m.user.id}`, value: { ...m, guild_id: g.guildId } })));
    const rows: string[] = [];
    for (const format of FORMATS) {
      const table = `"${schema}"."m_${format.replace('-', '_')}"`;
      await client.query(`CREATE TABLE ${table} (k text COLLATE "C" PRIMARY KEY, data ${binary(format) ? 'bytea' : format} NOT NULL)`);
      const writeMs: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        await client.query(`TRUNCATE ${table}`);
        const t0 = now();
        for (let i = 0; i < members.length; i += 1000) {
          const slice = members.slice(i, i + 1000);
          const cast = binary(format) ? 'bytea[]' : 'text[]';
          await client.query(
            `INSERT INTO ${table} (k, data) SELECT x.k, x.d${binary(format) ? '' : `::${format}`} FROM unnest($1::text[], $2::${cast}) AS x(k, d) ON CONFLICT (k) DO UPDATE SET data = EXCLUDED.data`,
            [slice.map((m) => m.k), slice.map((m) => encode(format, m.value))],
          );
        }
        writeMs.push(now() - t0);
      }
      await client.query(`VACUUM ANALYZE ${table}`);
      const size = Number((await client.query<{ n: string }>(`SELECT pg_total_relation_size('${table}') AS n`)).rows[0]!.n);
      const reads: number[] = [];
      for (let i = 0; i < 3_000; i++) {
        const key = members[(i * 7919) % members.length]!.k;
        const t0 = now();
        const r = await client.query<{ data: unknown }>({ name: `get_${format}_${schema}`, text: `SELECT data FROM ${table} WHERE k = $1`, values: [key] });
        decode(format, r.rows[0]!.data);
        reads.push((now() - t0) * 1000);
      }
      const scans: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        const t0 = now();
        let after = '';
        for (;;) {
          const r = await client.query<{ k: string; data: unknown }>({
            name: `scan_${format}_${schema}`,
            text: `SELECT k, data FROM ${table} WHERE k > $1 ORDER BY k LIMIT 500`,
            values: [after],
          });
          for (const row of r.rows) decode(format, row.data);
          if (r.rows.length < 500) break;
          after = r.rows[r.rows.length - 1]!.k;
        }
        scans.push(now() - t0);
      }
      // Strings Discord can send: a NUL, and a lone surrogate (a name cut in the middle of a pair).
      const odd = { nul: 'a\u0000b', lone: 'cut \ud83d' };
      const kept = await client
        .query<{ data: unknown }>(`INSERT INTO ${table} (k, data) VALUES ('odd', $1${binary(format) ? '' : `::${format}`}) RETURNING data`, [
          encode(format, odd),
        ])
        .then(
          (r) => {
            const back = decode(format, r.rows[0]!.data) as typeof odd;
            return back.nul === odd.nul && back.lone === odd.lone
              ? 'both kept'
              : `changed: ${back.nul === odd.nul ? '' : 'NUL '}${back.lone === odd.lone ? '' : 'lone surrogate'}`;
          },
          (err: Error) => `refused (${err.message.split('\n')[0]})`,
        );
      rows.push(
        `| ${format} | ${(members.length / (median(writeMs) / 1000)).toFixed(0)} | ${percentile(reads, 50).toFixed(0)} | ${(members.length / (median(scans) / 1000)).toFixed(0)} | ${(size / members.length).toFixed(0)} | ${kept} |`,
      );
    }
    console.log(
      `${members.length} members, PostgreSQL ${(await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version}, Node ${process.version}`,
    );
    console.log('| column | write rows/s | get p50 µs | scan+decode rows/s | bytes/row on disk | NUL and lone surrogate |');
    console.log('|---|---:|---:|---:|---:|---|');
    for (const row of rows) console.log(row);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await client.end();
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
