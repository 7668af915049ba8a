/**
 * What `sake demo` takes and its defaults. Kept apart from the job
 * (./demo-job.ts, which pulls in the simulator, the listener and discord.js'
 * gateway client) so that the command can name them in its help without
 * loading the job: the job is imported only when the command runs.
 */

/** The options of `sake demo`, as commander parses them. */
export interface DemoOptions {
  /** Simulated guilds (default {@link DEMO_SIZES}). */
  guilds?: number;
  /** Members per guild. */
  members?: number;
  /** Scripted events after the snapshot. */
  events?: number;
  /** Gateway shards. */
  shards: number;
  /** Seed of the simulated world. */
  seed: number;
  /** A small world ({@link DEMO_SIZES}`.quick`). */
  quick?: boolean;
  /** Redis URL (or REDIS_URL); without it the demo fills a MemoryCache. */
  redis?: string;
  /** Key prefix in Redis (default {@link DEMO_PREFIX}). */
  prefix?: string;
  /** PostgreSQL URL (or POSTGRES_URL); without it (and without `redis`) the demo fills a MemoryCache. */
  postgres?: string;
  /** Schema in PostgreSQL (default {@link DEMO_SCHEMA}). */
  schema?: string;
  /** Allow emptying a non-empty cache under a prefix that is not {@link DEMO_PREFIX}. */
  yes?: boolean;
  /** Write a backup of the filled cache to this file. */
  backup?: string;
  /** Progress bars. */
  progress: boolean;
  /** Give up when a step takes longer (ms). */
  timeout: number;
}

/** The prefix the demo uses in Redis unless told otherwise (its own, so it never touches a real cache). */
export const DEMO_PREFIX = 'sake-demo:';

/** The schema the demo uses in PostgreSQL unless told otherwise (its own, for the same reason). */
export const DEMO_SCHEMA = 'sake_demo';

/** The size of a simulated world. */
export interface DemoSize {
  /** Guilds. */
  guilds: number;
  /** Members per guild. */
  members: number;
  /** Scripted events after the snapshot. */
  events: number;
}

/** The default world fills ~20k members in seconds; `--quick` is a smoke test. */
export const DEMO_SIZES: { readonly full: DemoSize; readonly quick: DemoSize } = {
  full: { guilds: 20, members: 1000, events: 5000 },
  quick: { guilds: 3, members: 40, events: 200 },
};

/** How big the demo is: the explicit options over the defaults of `--quick` or the full world. */
export function demoSize(options: DemoOptions): DemoSize {
  const base = options.quick === true ? DEMO_SIZES.quick : DEMO_SIZES.full;
  return { guilds: options.guilds ?? base.guilds, members: options.members ?? base.members, events: options.events ?? base.events };
}
