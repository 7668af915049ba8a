/**
 * `sake run`: the real thing. A `@discordjs/ws` WebSocketManager (gateway
 * information through `@discordjs/rest`) feeds `GatewayListener`, which keeps
 * the cache (Redis, PostgreSQL, or an in-process MemoryCache) filled; a status line shows
 * events/s, guilds, members and errors. Ctrl-C (SIGINT) or SIGTERM stops it
 * cleanly: pending writes are applied, then everything is closed.
 */
import { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { Backend, Snowflake } from '@sake/abc';
import { GatewayListener, type ListenerLogger } from '@sake/gateway';
import { MemoryCache } from '@sake/memory';
import { postgresUrlFrom, redisUrlFrom } from './backend.js';
import { UsageError } from './usage-error.js';
import { info } from './commands/common.js';
import type { RunCommandOptions } from './run-options.js';
import { maskUrl, redact } from './secrets.js';

const logger: ListenerLogger = {
  debug() {},
  warn(message) {
    info(redact(`[gateway] ${message}`));
  },
  error(message) {
    info(redact(`[gateway] error: ${message}`));
  },
};

/** Connect to Discord with `token` and keep the cache filled until SIGINT/SIGTERM. */
export async function runGateway(token: string, options: RunCommandOptions): Promise<void> {
  const url = redisUrlFrom(options);
  const pgUrl = postgresUrlFrom(options);
  let cache: Backend;
  let label: string;
  if (url !== undefined && pgUrl !== undefined) throw new UsageError('give either --redis/REDIS_URL or --postgres/POSTGRES_URL, not both');
  if (pgUrl !== undefined) {
    const { openPostgres } = await import('./postgres.js');
    const opened = await openPostgres(pgUrl, { schema: options.schema });
    cache = opened.cache;
    label = `${maskUrl(pgUrl)} (schema ${opened.schema})`;
  } else if (url !== undefined) {
    const { openRedis } = await import('./redis.js');
    const opened = await openRedis(url, { prefix: options.prefix });
    cache = opened.cache;
    label = `${maskUrl(url)} (prefix ${opened.prefix})`;
  } else {
    cache = new MemoryCache();
    await cache.open();
    label = 'MemoryCache (lives only in this process: pass --redis URL or --postgres URL to share and keep the cache)';
  }

  const rest = new REST({ version: '10' }).setToken(token);
  const manager = new WebSocketManager({ token, intents: options.intents, rest, shardCount: options.shards ?? null });
  const listener = new GatewayListener(cache, {}, { logger });
  const wanted = new Set<Snowflake>(options.requestMembers ?? []);
  let events = 0;
  let errors = 0;
  manager.on(WebSocketShardEvents.Dispatch, () => void events++);
  manager.on(WebSocketShardEvents.Error, (error, shardId) => {
    errors++;
    info(redact(`[shard ${shardId}] ${error.message}`));
  });
  manager.on(WebSocketShardEvents.Closed, (code, shardId) => info(`[shard ${shardId}] connection closed (${code})`));
  listener.on('error', (error) => {
    errors++;
    info(redact(`[cache] ${error.message}`));
  });
  // Member chunking: each time a wanted guild's snapshot is applied (also after a reconnect), fetch all its members.
  listener.on(
    GatewayDispatchEvents.GuildCreate,
    (data) => {
      const guildId = (data as { id: Snowflake }).id;
      if (!wanted.has(guildId)) return;
      listener.requestMembers(guildId).then(
        (result) => info(`[members] guild ${guildId}: ${result.members} members in ${result.chunks} chunks`),
        (error: unknown) => {
          errors++;
          info(redact(`[members] guild ${guildId}: ${(error as Error).message}`));
        },
      );
    },
    { confirm: true },
  );
  listener.attach(manager);

  info(`sake run: connecting to Discord → ${label}`);
  try {
    await manager.connect();
  } catch (error) {
    listener.detach();
    await Promise.resolve(manager.destroy()).catch(() => undefined);
    await cache.close();
    throw new Error(`could not connect to Discord: ${(error as Error).message}`, { cause: error });
  }

  const status = startStatus(options.status, async () => {
    const [guilds, members] = await Promise.all([cache.iterGuilds().len(), cache.iterMembers().len()]);
    const stats = listener.stats();
    return { events, guilds, members, errors: errors + stats.malformed + stats.failed, pending: stats.pending };
  });

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        info(`second ${signal}: exiting without waiting`);
        process.exit(130);
      }
      stopping = true;
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });

  status.stop();
  info('stopping: finishing pending writes…');
  listener.detach();
  await manager.destroy();
  await listener.idle();
  await cache.close();
  info('stopped');
}

interface StatusFigures {
  events: number;
  guilds: number;
  members: number;
  errors: number;
  pending: number;
}

/** A status line refreshed every second on a terminal (every 30 s as plain lines otherwise). */
function startStatus(enabled: boolean, read: () => Promise<StatusFigures>): { stop(): void } {
  if (!enabled) return { stop() {} };
  const tty = process.stderr.isTTY === true;
  const periodMs = tty ? 1000 : 30_000;
  let lastEvents = 0;
  let lastAt = Date.now();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    read()
      .then((f) => {
        const now = Date.now();
        const rate = ((f.events - lastEvents) * 1000) / Math.max(1, now - lastAt);
        lastEvents = f.events;
        lastAt = now;
        const line = `events/s ${rate.toFixed(0).padStart(5)} | events ${f.events} | guilds ${f.guilds} | members ${f.members} | errors ${f.errors} | pending ${f.pending}`;
        process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      })
      .catch((error: unknown) => process.stderr.write(`${tty ? '\r\x1b[2K' : ''}status unavailable: ${redact((error as Error).message)}${tty ? '' : '\n'}`))
      .finally(() => {
        busy = false;
      });
  }, periodMs);
  return {
    stop() {
      clearInterval(timer);
      if (tty) process.stderr.write('\n');
    },
  };
}
