/**
 * `node bench/dist/pg-storage.js [members]`: how PostgresCache should store an
 * entity, measured in one run on a private PostgreSQL (or PG_URL, in a schema
 * of its own): the same realistic members written into a `jsonb`, a `json` and
 * a `bytea` (msgpack, through msgpackr — what @sake/redis' codec is built on)
 * column, each through the write path PostgresCache uses (batches of 1000 rows
 * through `unnest` with ON CONFLICT), then read back by key one at a time and
 * whole table in keyset windows of 500, each decoded in Node. Also: the table's
 * size on disk, and whether a NUL character survives.
 */
import { randomBytes } from 'node:crypto';
import { pack, unpack } from 'msgpackr';
import pg from 'pg';
import { startPostgresServer } from '@sake/postgres-server';
import { buildIngestDataset } from './dataset.js';
import { median, now, percentile } from './stats.js';

type Format = 'jsonb' | 'json' | 'bytea';
const FORMATS: readonly Format[] = ['jsonb', 'json', 'bytea'];

function encode(format: Format, value: unknown): string | Buffer {
  return format === 'bytea' ? pack(value) : JSON.stringify(value);
}

function decode(format: Format, raw: unknown): unknown {
  // node-postgres already ran JSON.parse for json/jsonb; bytea arrives as a Buffer.
  return format === 'bytea' ? unpack(raw as Buffer) : raw;
}

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
      const table = `"${schema}"."m_${format}"`;
      await client.query(`CREATE TABLE ${table} (k text COLLATE "C" PRIMARY KEY, data ${format} NOT NULL)`);
      const writeMs: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        await client.query(`TRUNCATE ${table}`);
        const t0 = now();
        for (let i = 0; i < members.length; i += 1000) {
          const slice = members.slice(i, i + 1000);
          const cast = format === 'bytea' ? 'bytea[]' : 'text[]';
          await client.query(
            `INSERT INTO ${table} (k, data) SELECT x.k, x.d${format === 'bytea' ? '' : `::${format}`} FROM unnest($1::text[], $2::${cast}) AS x(k, d) ON CONFLICT (k) DO UPDATE SET data = EXCLUDED.data`,
            [slice.map((m) => m.k), slice.map((m) => encode(format, m.value))],
          );
        }
        writeMs.push(now() - t0);
      }
      await client.query(`VACUUM ANALYZE ${table}`);
      const size = Number((await client.query(`SELECT pg_total_relation_size('${table}') AS n`)).rows[0].n);
      const reads: number[] = [];
      for (let i = 0; i < 3_000; i++) {
        const key = members[(i * 7919) % members.length]!.k;
        const t0 = now();
        const r = await client.query({ name: `get_${format}`, text: `SELECT data FROM ${table} WHERE k = $1`, values: [key] });
        decode(format, r.rows[0].data);
        reads.push((now() - t0) * 1000);
      }
      const scans: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        const t0 = now();
        let after = '';
        for (;;) {
          const r = await client.query({ name: `scan_${format}`, text: `SELECT k, data FROM ${table} WHERE k > $1 ORDER BY k LIMIT 500`, values: [after] });
          for (const row of r.rows) decode(format, row.data);
          if (r.rows.length < 500) break;
          after = r.rows[r.rows.length - 1].k;
        }
        scans.push(now() - t0);
      }
      const nul = await client.query(`INSERT INTO ${table} (k, data) VALUES ('nul', $1${format === 'bytea' ? '' : `::${format}`})`, [encode(format, { s: 'a\u0000b' })]).then(
        () => 'kept',
        (err: Error) => `refused (${err.message.split('\n')[0]})`,
      );
      rows.push(
        `| ${format} | ${(members.length / (median(writeMs) / 1000)).toFixed(0)} | ${percentile(reads, 50).toFixed(0)} | ${(members.length / (median(scans) / 1000)).toFixed(0)} | ${(size / members.length).toFixed(0)} | ${nul} |`,
      );
    }
    console.log(`${members.length} members, PostgreSQL ${(await client.query('SHOW server_version')).rows[0].server_version}, Node ${process.version}`);
    console.log('| column | write rows/s | get p50 µs | scan+decode rows/s | bytes/row on disk | "\\u0000" in a string |');
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
