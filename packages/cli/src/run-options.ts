/**
 * What `sake run` takes, and its checks before any I/O. Kept apart from the
 * job (./run-job.ts, which pulls in discord.js' gateway client, REST and the
 * listener) so that the command can validate its arguments without loading
 * the job: the job is imported only when the command runs.
 */
import { GatewayIntentBits } from 'discord-api-types/v10';
import { hasIntent } from './intents.js';
import { registerSecret } from './secrets.js';
import { UsageError } from './usage-error.js';

/** The options of `sake run`, as commander parses them. */
export interface RunCommandOptions {
  /** Bot token (or DISCORD_TOKEN). */
  token?: string;
  /** Redis URL (or REDIS_URL). */
  redis?: string;
  /** Redis key prefix. */
  prefix?: string;
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
  if (!TOKEN_SHAPE.test(token))
    throw new UsageError('the token does not look like a Discord bot token (three dot-separated parts); copy it from the Developer Portal → Bot → Token');
  if ((options.requestMembers?.length ?? 0) > 0 && !hasIntent(options.intents, GatewayIntentBits.GuildMembers)) {
    throw new UsageError(
      '--request-members needs the privileged GuildMembers intent: add it to --intents (and enable "Server Members Intent" in the Developer Portal)',
    );
  }
  return token;
}
