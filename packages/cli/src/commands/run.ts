/** `sake run`: argument handling (the job itself lives in ../run-job.ts, loaded only when the command runs). */
import { Option, type Command } from 'commander';
import { DEFAULT_RUN_INTENTS, parseIntents } from '../intents.js';
import { intArg, snowflakeList } from '../parse.js';
import { checkRunOptions, type RunCommandOptions } from '../run-options.js';

/** Register `sake run`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('connect to Discord and keep the cache filled from the gateway, with a live status line (Ctrl-C stops)')
    .addOption(new Option('--token <token>', 'bot token').env('DISCORD_TOKEN'))
    .addOption(new Option('--redis <url>', 'Redis URL; without it the cache lives in this process only').env('REDIS_URL'))
    .option('--prefix <prefix>', 'key prefix in Redis (default "sake:")')
    .addOption(new Option('--postgres <url>', 'PostgreSQL URL instead of Redis').env('POSTGRES_URL'))
    .option('--schema <name>', 'schema in PostgreSQL (default "sake")')
    .addOption(
      new Option('--intents <list>', 'GatewayIntentBits names separated by commas (or "default", or a number)')
        .argParser(parseIntents)
        .default(DEFAULT_RUN_INTENTS, 'Guilds,GuildExpressions,GuildVoiceStates,GuildInvites,GuildMessages,GuildMessageReactions'),
    )
    .option(
      '--request-members <guild ids...>',
      'fetch every member of these guilds once they are available (needs GuildMembers)',
      snowflakeList('--request-members'),
    )
    .option('--shards <n>', 'shard count (default: what Discord recommends)', intArg('--shards', 1, 10_000))
    .option('--no-status', 'no live status line')
    .action(async (options: RunCommandOptions) => {
      const token = checkRunOptions(options);
      const { runGateway } = await import('../run-job.js');
      await runGateway(token, options);
    });
}
