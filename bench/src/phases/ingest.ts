/**
 * Ingest and memory: the dataset's GUILD_CREATEs and member chunks through
 * GatewayListener → RedisCache, against the naive baseline writing the same
 * members, both timed in the same run (alternating which goes first) and each
 * measured for the Redis memory its data takes.
 */
import type { UserEntity } from '@sake/abc';
import type { RedisCache } from '@sake/redis';
import { Redis } from 'ioredis';
import type { BenchContext } from '../context.js';
import { buildIngestDataset, type IngestDataset } from '../dataset.js';
import { inspectPass, inspecting, memoryByFamily } from '../diagnose.js';
import { compact, figure, type Figure } from '../figures.js';
import { floorCache } from '../floor-cache.js';
import { nullCache } from '../null-cache.js';
import { NaiveStore } from '../naive.js';
import { commandName, ingestThroughListener, isScriptCall, listenerFor, openCache } from '../sake.js';
import { median, settle, timed } from '../stats.js';

/** What the later phases read from: both layouts loaded with the same data. */
export interface Loaded {
  readonly dataset: IngestDataset;
  readonly cache: RedisCache;
  readonly naive: NaiveStore;
  /** Key prefixes written (for cleanup on REDIS_URL). */
  readonly prefixes: readonly string[];
}

interface Measured {
  ms: number;
  bytes: number;
}

/**
 * The longest Redis call of one RedisCache ingest run (SLOWLOG), what it was, and the longest plain
 * command (no script: a few fields written or read) of the same run — on a 2-core machine Redis shares
 * with the ingesting process, how long the scheduler held Redis off a core, the floor under any call.
 */
interface SlowestCall {
  ms: number;
  what: string;
  plainMs: number;
}

async function measureNaive(context: BenchContext, dataset: IngestDataset, prefix: string): Promise<{ store: NaiveStore; m: Measured }> {
  const store = new NaiveStore(context.redis.admin, prefix);
  const before = await context.redis.memory(prefix);
  const ms = await timed(() => store.ingest(dataset.guilds));
  const bytes = (await context.redis.memory(prefix)) - before;
  return { store, m: { ms, bytes } };
}

async function measureSake(context: BenchContext, dataset: IngestDataset, prefix: string): Promise<{ cache: RedisCache; m: Measured; longest?: SlowestCall }> {
  const cache = await openCache(context.redis.url, prefix);
  const before = await context.redis.memory(prefix);
  const listener = listenerFor(cache);
  // On the private server, what other clients would have waited for: the ingest's longest Redis call.
  const slowCalls = context.redis.owned ? await context.redis.recordSlowCalls(1000) : undefined;
  const ms = await timed(() => ingestThroughListener(listener, dataset.guilds));
  const slow = slowCalls ? await slowCalls() : [];
  const slowest = slow[0];
  const plain = slow.find((c) => !isScriptCall(c.args));
  const bytes = (await context.redis.memory(prefix)) - before;
  const longest = slowest ? { ms: slowest.ms, what: commandName(slowest.args, cache), plainMs: plain?.ms ?? 0 } : undefined;
  return { cache, m: { ms, bytes }, ...(longest ? { longest } : {}) };
}

/**
 * The floors under any backend the listener feeds: the same ingest through the listener into a
 * backend that stores nothing (null-cache.ts: the listener alone), and into one that only encodes
 * each batch with RedisCache's codec and sends it as one no-op script call (floor-cache.ts).
 */
async function measureFloors(dataset: IngestDataset, client: Redis): Promise<{ listener: number; encoded: number }> {
  const me = (dataset.ready.d as { user: UserEntity }).user;
  const listener = await timed(() => ingestThroughListener(listenerFor(nullCache(me)), dataset.guilds));
  await settle();
  const encoded = await timed(() => ingestThroughListener(listenerFor(floorCache(client, me)), dataset.guilds));
  return { listener, encoded };
}

/** Run the ingest and memory comparison; leaves both layouts loaded for the read phases. */
export async function ingestPhase(context: BenchContext): Promise<{ figures: Figure[]; loaded: Loaded }> {
  const { redis, sizes } = context;
  context.log(`generating ${sizes.ingestGuilds.length} guilds (${sizes.ingestGuilds.reduce((a, b) => a + b, 0)} members)…`);
  const dataset = buildIngestDataset({ guildSizes: sizes.ingestGuilds });
  const warmup = buildIngestDataset({ seed: 4242, guildSizes: [3_000, 1_000] });
  const prefixes: string[] = [];

  // Warm-up: the JIT and the connections see both paths before anything is timed.
  {
    const naivePrefix = redis.prefix('warm-naive');
    const sakePrefix = redis.prefix('warm-sake');
    prefixes.push(naivePrefix, sakePrefix);
    await measureNaive(context, warmup, naivePrefix);
    const { cache } = await measureSake(context, warmup, sakePrefix);
    await cache.close();
    await redis.reset([naivePrefix, sakePrefix]);
  }

  const floorClient = new Redis(redis.url);
  await measureFloors(warmup, floorClient);
  const naiveRuns: Measured[] = [];
  const sakeRuns: Measured[] = [];
  const floorRuns: Array<{ listener: number; encoded: number }> = [];
  const longestCalls: SlowestCall[] = [];
  let last: { cache: RedisCache; naive: NaiveStore } | undefined;
  for (let rep = 0; rep < sizes.ingestReps; rep++) {
    if (last) {
      await last.cache.close();
      await redis.reset(prefixes);
    }
    const naivePrefix = redis.prefix('naive');
    const sakePrefix = redis.prefix('sake');
    prefixes.push(naivePrefix, sakePrefix);
    await settle();
    // Alternate the order so neither path always meets a fuller Redis.
    let naive: Awaited<ReturnType<typeof measureNaive>>;
    let sake: Awaited<ReturnType<typeof measureSake>>;
    if (rep % 2 === 0) {
      naive = await measureNaive(context, dataset, naivePrefix);
      await settle();
      sake = await measureSake(context, dataset, sakePrefix);
    } else {
      sake = await measureSake(context, dataset, sakePrefix);
      await settle();
      naive = await measureNaive(context, dataset, naivePrefix);
    }
    await settle();
    floorRuns.push(await measureFloors(dataset, floorClient));
    naiveRuns.push(naive.m);
    sakeRuns.push(sake.m);
    if (sake.longest) longestCalls.push(sake.longest);
    context.log(
      `ingest rep ${rep + 1}/${sizes.ingestReps}: sake ${(dataset.memberCount / (sake.m.ms / 1000)).toFixed(0)}/s, ${(sake.m.bytes / dataset.memberCount).toFixed(1)} B/member; ` +
        `naive ${(dataset.memberCount / (naive.m.ms / 1000)).toFixed(0)}/s, ${(naive.m.bytes / dataset.memberCount).toFixed(1)} B/member; ` +
        `floors: listener alone ${(dataset.memberCount / (floorRuns.at(-1)!.listener / 1000)).toFixed(0)}/s, encoded and sent ${(dataset.memberCount / (floorRuns.at(-1)!.encoded / 1000)).toFixed(0)}/s`,
    );
    last = { cache: sake.cache, naive: naive.store };
  }

  floorClient.disconnect();
  if (inspecting(context)) {
    await memoryByFamily(context, last!.cache.prefix, dataset.memberCount);
    const prefix = redis.prefix('inspect');
    const cache = await openCache(redis.url, prefix);
    const listener = listenerFor(cache);
    await inspectPass(context, 'ingest', 'member', dataset.memberCount, () => ingestThroughListener(listener, dataset.guilds));
    await cache.close();
    await redis.drop(prefix);
  }

  const perSecond = (runs: Measured[]): number => median(runs.map((r) => dataset.memberCount / (r.ms / 1000)));
  const perMember = (runs: Measured[]): number => median(runs.map((r) => r.bytes / dataset.memberCount));
  const notes = `${dataset.memberCount} members of ${dataset.guilds.length} guilds (${dataset.userCount} users), median of ${sizes.ingestReps}`;
  const figures = [
    figure('ingest_members_per_s', 'GUILD_CREATE + chunks ingest', perSecond(sakeRuns), perSecond(naiveRuns), 'naive JSON HSET', 'members/s', notes),
    figure(
      'ingest_floor_members_per_s',
      'ingest floor: listener + codec, 1 call',
      median(floorRuns.map((r) => dataset.memberCount / (r.encoded / 1000))),
      perSecond(naiveRuns),
      'naive JSON HSET',
      'members/s',
      `the same stream through the listener into a backend that encodes each batch with RedisCache's codec and sends it as one no-op script call ` +
        `(bench/src/floor-cache.ts); the listener alone (null-cache.ts) ${compact(median(floorRuns.map((r) => dataset.memberCount / (r.listener / 1000))))}/s; median of ${sizes.ingestReps}`,
    ),
    // What other clients of the same Redis wait for at worst while a bot ingests (private server only: SLOWLOG is server-wide).
    ...(longestCalls.length > 0
      ? [
          figure(
            'longest_call_ms',
            'longest Redis call during ingest',
            Math.max(...longestCalls.map((c) => c.ms)),
            null,
            'SLOWLOG',
            'ms',
            `each RedisCache run's longest: ${longestCalls.map((c) => `${c.ms.toFixed(1)} ms (${c.what})`).join(', ')}; ` +
              `longest plain command (no script) of each run: ${longestCalls.map((c) => (c.plainMs > 0 ? `${c.plainMs.toFixed(1)} ms` : 'under 1 ms')).join(', ')}`,
          ),
        ]
      : []),
    figure(
      'bytes_per_member',
      'Redis memory per member',
      perMember(sakeRuns),
      perMember(naiveRuns),
      'naive JSON HSET',
      'B',
      redis.owned ? 'used_memory delta / members (users included)' : 'sum of MEMORY USAGE over the prefix / members',
    ),
  ];
  return { figures, loaded: { dataset, cache: last!.cache, naive: last!.naive, prefixes } };
}
