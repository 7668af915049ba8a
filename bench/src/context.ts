/** What every phase of the benchmark gets: the Redis, the sizes of this run, a logger. */
import type { Profiler } from './profiler.js';
import type { BenchRedis } from './store.js';

/** How big a run is. */
export interface Sizes {
  /** Members of each guild ingested (1k–100k). */
  readonly ingestGuilds: readonly number[];
  /** Repetitions of the ingest comparison (the median is reported). */
  readonly ingestReps: number;
  /** Point reads timed per path. */
  readonly readSamples: number;
  /** Concurrent getMember calls per repetition (DESIGN §7: 10k). */
  readonly concurrentGets: number;
  /** getMember calls awaited in turn per repetition (their rate is the concurrency baseline). */
  readonly sequentialGets: number;
  /** Repetitions of the cheap phases (concurrency, iteration). */
  readonly reps: number;
  /** Members of each guild of the mixed-stream world. */
  readonly mixedGuilds: readonly number[];
  /** Time each mixed-stream repetition runs on RedisCache (ms; whole blocks of events, so a little more). */
  readonly mixedBudgetMs: number;
  /** At most this many events per mixed-stream repetition. */
  readonly mixedMaxEvents: number;
  /** Seconds of the paced 5k events/s confirm run. */
  readonly confirmSeconds: number;
  /** HSETs of the ceiling run. */
  readonly ceilingOps: number;
  /** Members of each guild the PostgresCache phase ingests (into PostgresCache and RedisCache). */
  readonly postgresGuilds: readonly number[];
}

/** `pnpm bench --quick`: within 60 s on 2 cores. */
export const QUICK: Sizes = {
  ingestGuilds: [20_000, 5_000, 2_000, 1_000, 1_000, 1_000],
  ingestReps: 2,
  readSamples: 4_000,
  concurrentGets: 10_000,
  sequentialGets: 2_000,
  reps: 3,
  mixedGuilds: [2_000, 1_000, 1_000, 500, 500],
  mixedBudgetMs: 1_200,
  mixedMaxEvents: 60_000,
  confirmSeconds: 3,
  ceilingOps: 150_000,
  postgresGuilds: [5_000, 2_000, 1_000, 1_000],
};

/** `pnpm bench`: within 5 minutes. */
export const FULL: Sizes = {
  ingestGuilds: [100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 1_000, 1_000, 1_000],
  ingestReps: 3,
  readSamples: 20_000,
  concurrentGets: 10_000,
  sequentialGets: 5_000,
  reps: 5,
  mixedGuilds: [5_000, 3_000, 2_000, 1_000, 1_000, 1_000, 1_000, 500, 500, 500, 500],
  mixedBudgetMs: 5_000,
  mixedMaxEvents: 300_000,
  confirmSeconds: 10,
  ceilingOps: 600_000,
  postgresGuilds: [20_000, 10_000, 5_000, 2_000, 1_000, 1_000],
};

/** The context every phase runs in. */
export interface BenchContext {
  /** The measured Redis. */
  readonly redis: BenchRedis;
  /** The run's sizes. */
  readonly sizes: Sizes;
  /** Set by `--profile`: phases run one extra pass of the RedisCache path under it. */
  readonly profiler: Profiler | undefined;
  /** Set by `--diagnose`: phases report Redis command stats of an extra pass, ingest the memory by key family. */
  readonly diagnose: boolean;
  /** Progress lines (stderr, so stdout stays the table). */
  log(message: string): void;
}
