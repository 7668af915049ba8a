/** `sake demo`: argument handling (the job itself lives in ../demo-job.ts, loaded only when the command runs). */
import { Option, type Command } from 'commander';
import { intArg } from '../parse.js';
import { DEMO_PREFIX, DEMO_SCHEMA, DEMO_SIZES, type DemoOptions } from '../demo-options.js';

const { full, quick } = DEMO_SIZES;

/** Register `sake demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('fill a cache from a local simulated Discord gateway (no token, no network), then print stats and sample reads')
    .option('--guilds <n>', `number of simulated guilds (default ${full.guilds}, --quick ${quick.guilds})`, intArg('--guilds', 1, 10_000))
    .option('--members <n>', `members per guild (default ${full.members}, --quick ${quick.members})`, intArg('--members', 1, 2_000_000))
    .option('--events <n>', `scripted events after the snapshot (default ${full.events}, --quick ${quick.events})`, intArg('--events', 0, 10_000_000))
    .option('--shards <n>', 'gateway shards', intArg('--shards', 1, 64), 1)
    .option('--seed <n>', 'seed of the simulated world (same seed, same data)', intArg('--seed', 0), 1)
    .option('--quick', 'a small world, done in a second or two')
    .addOption(new Option('--redis <url>', 'fill a Redis cache instead of the in-memory one').env('REDIS_URL'))
    .option('--prefix <prefix>', `key prefix in Redis (default ${DEMO_PREFIX}, emptied first)`)
    .addOption(new Option('--postgres <url>', 'fill a PostgreSQL cache instead of the in-memory one').env('POSTGRES_URL'))
    .option('--schema <name>', `schema in PostgreSQL (default ${DEMO_SCHEMA}, emptied first)`)
    .option('-y, --yes', "allow emptying a non-empty cache under a --prefix or --schema that is not the demo's own")
    .option('--backup <file>', 'write a backup of the filled cache to this file')
    .option('--timeout <ms>', 'give up when a step takes longer', intArg('--timeout', 1), 120_000)
    .option('--no-progress', 'no progress bars')
    .action(async (options: DemoOptions) => {
      const { runDemo } = await import('../demo-job.js');
      process.exitCode = await runDemo(options);
    });
}
