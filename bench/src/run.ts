/**
 * `pnpm bench [--quick] [--only ingest,reads,mixed,ceiling,postgres] [--out path] [--profile dir] [--diagnose]`:
 * measures RedisCache and PostgresCache (through GatewayListener) beside same-run baselines and
 * prints a table; writes bench/results.json. Uses its own redis-server on a
 * free port unless REDIS_URL is set.
 */
import { fileURLToPath } from 'node:url';
import { FULL, QUICK, type BenchContext } from './context.js';
import type { Figure, FigureName } from './figures.js';
import { ceilingPhase } from './phases/ceiling.js';
import { ingestPhase } from './phases/ingest.js';
import { mixedPhase } from './phases/mixed.js';
import { readPhase } from './phases/reads.js';
import { Profiler } from './profiler.js';
import { formatTable, machine, writeResults } from './report.js';
import { BenchRedis, SetupError } from './store.js';

const PHASES = ['ingest', 'reads', 'mixed', 'ceiling', 'postgres'] as const;
type Phase = (typeof PHASES)[number];

interface Args {
  quick: boolean;
  profile: string | undefined;
  diagnose: boolean;
  only: Set<Phase>;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    profile: undefined,
    diagnose: false,
    only: new Set(PHASES),
    out: fileURLToPath(new URL('../results.json', import.meta.url)),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '--quick') args.quick = true;
    else if (arg === '--diagnose') args.diagnose = true;
    else if (arg === '--only' || arg === '--out' || arg === '--profile') {
      const value = argv[++i];
      if (value === undefined) throw new TypeError(`${arg} needs a value`);
      if (arg === '--out') args.out = value;
      else if (arg === '--profile') args.profile = value;
      else {
        const names = value.split(',').map((s) => s.trim());
        for (const name of names)
          if (!(PHASES as readonly string[]).includes(name)) throw new TypeError(`--only: unknown phase ${name} (phases: ${PHASES.join(', ')})`);
        args.only = new Set(names as Phase[]);
      }
    } else if (arg === '--help' || arg === '-h') {
      console.log(
        'usage: pnpm bench [--quick] [--only ingest,reads,mixed,ceiling,postgres] [--out results.json] [--profile dir] [--diagnose]\n(REDIS_URL=redis://… measures that server under a unique prefix instead of a private one; PG_URL=postgres://… likewise for PostgreSQL, in schemas of its own)',
      );
      process.exit(0);
    } else throw new TypeError(`unknown argument ${arg} (try --help)`);
  }
  // The read phases read what ingest loaded.
  if (args.only.has('reads')) args.only.add('ingest');
  return args;
}

const ORDER: readonly FigureName[] = [
  'ingest_members_per_s',
  'ingest_floor_members_per_s',
  'longest_call_ms',
  'bytes_per_member',
  'get_member_p50_us',
  'get_member_p99_us',
  'get_member_join_floor_p50_us',
  'concurrent_get_ops_per_s',
  'iter_members_per_s',
  'iter_naive_joined_members_per_s',
  'mixed_events_per_s',
  'confirm_p99_ms',
  'redis_ceiling_hset_per_s',
  'pg_ingest_members_per_s',
  'pg_get_member_p50_us',
  'pg_mixed_events_per_s',
];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const started = Date.now();
  const log = (message: string): void => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const url = process.env.REDIS_URL || undefined;
  if (args.diagnose && url !== undefined) throw new SetupError('--diagnose resets server-wide statistics: it needs the private server (unset REDIS_URL)');
  const redis = await BenchRedis.start(url);
  const profiler = args.profile === undefined ? undefined : new Profiler(args.profile);
  const context: BenchContext = { redis, sizes: args.quick ? QUICK : FULL, profiler, diagnose: args.diagnose, log };
  log(`${mode} run on Redis ${redis.version} at ${redis.owned ? redis.url : 'REDIS_URL'}`);
  const figures: Figure[] = [];
  let prefixes: string[] = [];
  try {
    if (args.only.has('ingest')) {
      const { figures: ingest, loaded } = await ingestPhase(context);
      figures.push(...ingest);
      prefixes.push(...loaded.prefixes);
      if (args.only.has('reads')) figures.push(...(await readPhase(context, loaded)));
      await loaded.cache.close();
    }
    if (args.only.has('mixed')) {
      const mixed = await mixedPhase(context, prefixes);
      figures.push(...mixed.figures);
      prefixes = mixed.prefixes;
    }
    if (args.only.has('postgres')) {
      const { postgresPhase } = await import('./phases/postgres.js');
      const postgres = await postgresPhase(context);
      figures.push(...postgres.figures);
      prefixes.push(...postgres.prefixes);
    }
    if (args.only.has('ceiling')) {
      const ceiling = await ceilingPhase(context);
      figures.push(ceiling.figure);
      prefixes.push(...ceiling.prefixes);
    }
    await redis.reset(prefixes);
  } finally {
    await redis.stop();
  }
  figures.sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
  const m = machine(redis.version, redis.owned);
  console.log(formatTable(figures, m, mode));
  writeResults(args.out, figures, m, mode);
  log(`done; wrote ${args.out}`);
}

main().catch((error: unknown) => {
  // Setup and usage errors say what to fix; anything else is a bug worth its stack.
  const known = error instanceof SetupError || error instanceof TypeError;
  console.error(known ? `pnpm bench: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : error);
  // A phase that failed may leave a cache's client reconnecting forever: end here (the exit hook stops the private server).
  process.exit(1);
});
