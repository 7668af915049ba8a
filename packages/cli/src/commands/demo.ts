/** `sake demo` (the job itself lives in ../demo-job.ts, loaded only when the command runs). */
import { Option, type Command } from 'commander';
import { intArg } from '../parse.js';
import type { DemoOptions } from '../demo-job.js';

/** The prefix the demo uses in Redis unless told otherwise (its own, so it never touches a real cache). */
export const DEMO_PREFIX = 'sake-demo:';

/** The schema the demo uses in PostgreSQL unless told otherwise (its own, for the same reason). */
export const DEMO_SCHEMA = 'sake_demo';

/** Register `sake demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('fill a cache from a local simulated Discord gateway (no token, no network), then print stats and sample reads')
    .option('--guilds <n>', 'number of simulated guilds (default 20, --quick 3)', intArg('--guilds', 1, 10_000))
    .option('--members <n>', 'members per guild (default 1000, --quick 40)', intArg('--members', 1, 2_000_000))
    .option('--events <n>', 'scripted events after the snapshot (default 5000, --quick 200)', intArg('--events', 0, 10_000_000))
    .option('--shards <n>', 'gateway shards', intArg('--shards', 1, 64), 1)
    .option('--seed <n>', 'seed of the simulated world (same seed, same data)', intArg('--seed', 0), 1)
    .option('--quick', 'a small world, done in a second or two')
    .addOption(new Option('--redis <url>', 'fill a Redis cache instead of the in-memory one').env('REDIS_URL'))
    .option('--prefix <prefix>', `key prefix in Redis (default ${DEMO_PREFIX}, emptied first)`)
    .addOption(new Option('--postgres <url>', 'fill a PostgreSQL cache instead of the in-memory one').env('POSTGRES_URL'))
    .option('--schema <name>', `schema in PostgreSQL (default ${DEMO_SCHEMA}, emptied first)`)
    .option('-y, --yes', 'allow emptying a non-empty cache under a --prefix or --schema that is not the demo\'s own')
    .option('--backup <file>', 'write a backup of the filled cache to this file')
    .option('--timeout <ms>', 'give up when a step takes longer', intArg('--timeout', 1), 120_000)
    .option('--no-progress', 'no progress bars')
    .action(async (options: DemoOptions) => {
      const { runDemo } = await import('../demo-job.js');
      process.exitCode = await runDemo(options);
    });
}
