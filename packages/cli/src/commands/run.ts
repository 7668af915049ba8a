/** `sake run`: argument handling (the job itself lives in ../run-job.ts, loaded only when the command runs). */
import { Option, type Command } from 'commander';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { DEFAULT_RUN_INTENTS, hasIntent, parseIntents } from '../intents.js';
import { intArg, snowflakeList } from '../parse.js';
import { registerSecret } from '../secrets.js';
import { UsageError } from '../usage-error.js';

/** The options of `sake run`, as commander parses them. */
export interface RunCommandOptions {
  /** Bot token (or DISCORD_TOKEN). */
  token?: string;
  /** Redis URL (or REDIS_URL). */
  redis?: string;
  /** Redis key prefix. */
  prefix?: string;
  /** Migrate an older Redis layout. */
  migrate?: boolean;
  /** PostgreSQL URL (or POSTGRES_URL). */
  postgres?: string;
  /** PostgreSQL schema. */
  schema?: string;
  /** Gateway intents bit field. */
  intents: number;
  /** Guilds whose members are requested (GUILD_MEMBERS_CHUNK) each time their GUILD_CREATE is applied. */
  requestMembers?: string[];
  /** Shard count (default: Discord's recommendation). */
  shards?: number;
  /** Live status line. */
  status: boolean;
}

/** A Discord bot token is three base64url parts separated by dots. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Validate the options (before any I/O); returns the token. Never includes the token in a message. */
export function checkRunOptions(options: RunCommandOptions): string {
  const token = options.token?.trim();
  if (token === undefined || token === '') throw new UsageError('sake run needs a bot token: pass --token or set DISCORD_TOKEN');
  registerSecret(token);
  if (!TOKEN_SHAPE.test(token)) throw new UsageError('the token does not look like a Discord bot token (three dot-separated parts); copy it from the Developer Portal → Bot → Token');
  if ((options.requestMembers?.length ?? 0) > 0 && !hasIntent(options.intents, GatewayIntentBits.GuildMembers)) {
    throw new UsageError('--request-members needs the privileged GuildMembers intent: add it to --intents (and enable "Server Members Intent" in the Developer Portal)');
  }
  return token;
}

/** Register `sake run`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('connect to Discord and keep the cache filled from the gateway, with a live status line (Ctrl-C stops)')
    .addOption(new Option('--token <token>', 'bot token').env('DISCORD_TOKEN'))
    .addOption(new Option('--redis <url>', 'Redis URL; without it the cache lives in this process only').env('REDIS_URL'))
    .option('--prefix <prefix>', 'key prefix in Redis (default "sake:")')
    .option('--migrate', 'migrate a Redis store written with an older key layout')
    .addOption(new Option('--postgres <url>', 'PostgreSQL URL instead of Redis').env('POSTGRES_URL'))
    .option('--schema <name>', 'schema in PostgreSQL (default "sake")')
    .addOption(
      new Option('--intents <list>', 'GatewayIntentBits names separated by commas (or "default", or a number)')
        .argParser(parseIntents)
        .default(DEFAULT_RUN_INTENTS, 'Guilds,GuildExpressions,GuildVoiceStates,GuildInvites,GuildMessages,GuildMessageReactions'),
    )
    .option('--request-members <guild ids...>', 'fetch every member of these guilds once they are available (needs GuildMembers)', snowflakeList('--request-members'))
    .option('--shards <n>', 'shard count (default: what Discord recommends)', intArg('--shards', 1, 10_000))
    .option('--no-status', 'no live status line')
    .action(async (options: RunCommandOptions) => {
      const token = checkRunOptions(options);
      const { runGateway } = await import('../run-job.js');
      await runGateway(token, options);
    });
}
