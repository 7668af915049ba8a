/**
 * PostgresCache beside RedisCache, in the same run: GUILD_CREATE + chunk
 * ingest through the listener into both (same data, alternating which goes
 * first), getMember latency on both (interleaved blocks), and the mixed event
 * stream through the listener into PostgresCache, MemoryCache (the baseline of
 * DESIGN §7's "≥ 0.2× MemoryCache") and RedisCache, block by block.
 *
 * It starts its own PostgreSQL (`@sake/postgres-server`) unless PG_URL is
 * set; then every pass works in a schema of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MemoryCache } from '@sake/memory';
import { PostgresCache } from '@sake/postgres';
import { startPostgresServer, type PostgresServer } from '@sake/postgres-server';
import type { RedisCache } from '@sake/redis';
import { EventScript } from '@sake/simulator';
import type { BenchContext } from '../context.js';
import { buildIngestDataset, samplePairs, type IngestDataset } from '../dataset.js';
import { figure, type Figure } from '../figures.js';
import { assertClean, handleAll, ingestThroughListener, listenerFor, openCache } from '../sake.js';
import { median, now, percentile, settle, timed } from '../stats.js';
import { generate } from './mixed.js';

/** The PostgreSQL the phase measures, and the schemas it made there. */
class BenchPostgres {
  readonly schemas: string[] = [];
  private constructor(
    readonly url: string,
    private readonly server: PostgresServer | undefined,
  ) {}

  /** A server someone else runs (PG_URL): only the schemas made here are dropped by `stop()`. */
  static external(url: string): BenchPostgres {
    return new BenchPostgres(url, undefined);
  }

  /** A private server, started now and deleted whole by `stop()`. */
  static async private(): Promise<BenchPostgres> {
    const server = await startPostgresServer();
    return new BenchPostgres(server.url, server);
  }

  /** An opened cache in a fresh schema. */
  async cache(tag: string): Promise<PostgresCache> {
    const schema = `bench_${tag}_${randomBytes(4).toString('hex')}`;
    this.schemas.push(schema);
    const cache = new PostgresCache(this.url, { schema, sweepIntervalMs: 0, commandTimeoutMs: 120_000 });
    await cache.open();
    return cache;
  }

  /** Drop every schema made (only matters on PG_URL: a private server is deleted whole). */
  async stop(): Promise<void> {
    if (this.server !== undefined) {
      await this.server.stop();
      return;
    }
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      for (const schema of this.schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  }
}

async function ingestInto(cache: PostgresCache | RedisCache, dataset: IngestDataset): Promise<number> {
  return timed(() => ingestThroughListener(listenerFor(cache), dataset.guilds));
}

/** Ingest the same data into both stores `reps` times; both stay loaded from the last repetition. */
async function ingest(
  context: BenchContext,
  db: BenchPostgres,
  dataset: IngestDataset,
  prefixes: string[],
): Promise<{ figure: Figure; pg: PostgresCache; redis: RedisCache }> {
  const warm = buildIngestDataset({ seed: 4343, guildSizes: [2_000, 1_000] });
  {
    const [p, r] = [await db.cache('warm'), await openCache(context.redis.url, context.redis.prefix('pg-warm'))];
    prefixes.push(r.prefix);
    await ingestInto(p, warm);
    await ingestInto(r, warm);
    await Promise.all([p.close(), r.close()]);
  }
  const pgRates: number[] = [];
  const redisRates: number[] = [];
  let last: { pg: PostgresCache; redis: RedisCache } | undefined;
  for (let rep = 0; rep < context.sizes.ingestReps; rep++) {
    if (last) await Promise.all([last.pg.close(), last.redis.close()]);
    const p = await db.cache('ingest');
    const r = await openCache(context.redis.url, context.redis.prefix('pg-side'));
    prefixes.push(r.prefix);
    await settle();
    const order = rep % 2 === 0 ? [p, r] : [r, p];
    const times = new Map<unknown, number>();
    for (const cache of order) {
      times.set(cache, await ingestInto(cache, dataset));
      await settle();
    }
    pgRates.push(dataset.memberCount / (times.get(p)! / 1000));
    redisRates.push(dataset.memberCount / (times.get(r)! / 1000));
    context.log(
      `postgres ingest rep ${rep + 1}/${context.sizes.ingestReps}: PostgresCache ${pgRates.at(-1)!.toFixed(0)}/s, RedisCache ${redisRates.at(-1)!.toFixed(0)}/s`,
    );
    last = { pg: p, redis: r };
  }
  const notes = `${dataset.memberCount} members of ${dataset.guilds.length} guilds, median of ${context.sizes.ingestReps}`;
  return {
    figure: figure('pg_ingest_members_per_s', 'PostgresCache ingest', median(pgRates), median(redisRates), 'RedisCache, same data', 'members/s', notes),
    ...last!,
  };
}

/** getMember one at a time on both stores, in interleaved blocks. */
async function pointReads(context: BenchContext, dataset: IngestDataset, p: PostgresCache, r: RedisCache): Promise<Figure> {
  const pairs = samplePairs(dataset, Math.min(context.sizes.readSamples, 6_000));
  for (const [g, u] of samplePairs(dataset, 1_000, 98)) {
    await p.getMember(g, u);
    await r.getMember(g, u);
  }
  const times = { pg: [] as number[], redis: [] as number[] };
  const block = 250;
  for (let start = 0; start < pairs.length; start += block) {
    const slice = pairs.slice(start, start + block);
    const passes = (start / block) % 2 === 0 ? (['pg', 'redis'] as const) : (['redis', 'pg'] as const);
    for (const pass of passes) {
      const cache = pass === 'pg' ? p : r;
      for (const [g, u] of slice) {
        const t0 = now();
        await cache.getMember(g, u);
        times[pass].push((now() - t0) * 1000);
      }
    }
  }
  return figure(
    'pg_get_member_p50_us',
    'PostgresCache getMember p50',
    percentile(times.pg, 50),
    percentile(times.redis, 50),
    'RedisCache getMember p50',
    'µs',
    `${pairs.length} random members, sequential awaits; p99 ${percentile(times.pg, 99).toFixed(0)} µs (RedisCache ${percentile(times.redis, 99).toFixed(0)} µs)`,
  );
}

/** The mixed stream, block by block into MemoryCache, PostgresCache and RedisCache. */
async function mixed(context: BenchContext, db: BenchPostgres, prefixes: string[]): Promise<Figure> {
  const { sizes } = context;
  const dataset = buildIngestDataset({ seed: 778, guildSizes: sizes.mixedGuilds });
  const memory = new MemoryCache();
  await memory.open();
  const p = await db.cache('mixed');
  const r = await openCache(context.redis.url, context.redis.prefix('pg-mixed'));
  prefixes.push(r.prefix);
  const caches = [memory, p, r] as const;
  for (const cache of caches) await ingestThroughListener(listenerFor(cache), dataset.guilds, dataset.ready);
  const script = new EventScript(dataset.world);
  const warm = generate(dataset.world, script, 1_000);
  for (const cache of caches) await handleAll(listenerFor(cache), warm);
  const rates: number[][] = [[], [], []];
  const block = 2_000;
  let total = 0;
  for (let rep = 0; rep < 3; rep++) {
    const listeners = caches.map((c) => listenerFor(c));
    const ms = [0, 0, 0];
    let events = 0;
    await settle();
    while (ms[1]! < sizes.mixedBudgetMs && events < sizes.mixedMaxEvents) {
      const batch = generate(dataset.world, script, block);
      for (let i = 0; i < caches.length; i++) ms[i]! += await timed(() => handleAll(listeners[i]!, batch));
      events += batch.length;
    }
    listeners.forEach((l, i) => assertClean(l, `postgres mixed stream (${caches[i]!.constructor.name})`));
    ms.forEach((m, i) => rates[i]!.push(events / (m / 1000)));
    total += events;
    context.log(
      `postgres mixed rep ${rep + 1}/3: PostgresCache ${rates[1]!.at(-1)!.toFixed(0)} events/s, MemoryCache ${rates[0]!.at(-1)!.toFixed(0)}, RedisCache ${rates[2]!.at(-1)!.toFixed(0)} over ${events} events`,
    );
  }
  await Promise.all(caches.map((c) => c.close()));
  const [mem, pgRate, redisRate] = rates.map((x) => median(x));
  return figure(
    'pg_mixed_events_per_s',
    'PostgresCache mixed event stream',
    pgRate!,
    mem!,
    'same stream into MemoryCache',
    'events/s',
    `${total} events over ${dataset.guilds.length} guilds (median of 3); RedisCache on the same blocks: ${redisRate!.toFixed(0)} events/s`,
  );
}

/** Run the PostgresCache figures (leaves Redis prefixes in `prefixes` for the caller's cleanup). */
export async function postgresPhase(context: BenchContext): Promise<{ figures: Figure[]; prefixes: string[] }> {
  const url = process.env.PG_URL || undefined;
  const db = url !== undefined ? BenchPostgres.external(url) : await BenchPostgres.private();
  context.log(`postgres phase on ${url !== undefined ? 'PG_URL' : 'a private PostgreSQL'}`);
  const prefixes: string[] = [];
  try {
    const dataset = buildIngestDataset({ seed: 4344, guildSizes: context.sizes.postgresGuilds });
    const loaded = await ingest(context, db, dataset, prefixes);
    const reads = await pointReads(context, dataset, loaded.pg, loaded.redis);
    await Promise.all([loaded.pg.close(), loaded.redis.close()]);
    await context.redis.reset(prefixes);
    const stream = await mixed(context, db, prefixes);
    return { figures: [loaded.figure, reads, stream], prefixes };
  } finally {
    await db.stop();
  }
}
