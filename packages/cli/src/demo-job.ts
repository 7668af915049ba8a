/**
 * `sake demo`: the main job on a laptop. A local simulated Discord gateway
 * (`@sake/simulator`) serves synthetic guilds to a real `@discordjs/ws`
 * WebSocketManager; `GatewayListener` fills the cache (MemoryCache, Redis
 * with `--redis`, PostgreSQL with `--postgres`); then stats and a few sample
 * reads are printed. No token,
 * no network: everything runs on loopback.
 */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { Backend } from '@sake/abc';
import { GatewayListener, type ListenerLogger } from '@sake/gateway';
import { MemoryCache } from '@sake/memory';
import { EventScript, FakeGateway, World, createManager } from '@sake/simulator';
import { createWriteStream } from 'node:fs';
import { backup } from './backup.js';
import { collectStats, formatStats } from './commands/stats.js';
import { createProgress } from './progress.js';
import { clearResource } from './cache-access.js';
import { RESOURCE_CODES } from './format.js';
import { DEMO_PREFIX, DEMO_SCHEMA, demoSize, type DemoOptions } from './demo-options.js';
import { postgresUrlFrom, redisUrlFrom } from './backend.js';
import { openRedis } from './redis.js';
import { maskUrl } from './secrets.js';
import { UsageError } from './usage-error.js';
import { formatBytes, info, out } from './commands/common.js';

/** Warnings of the listener go to stderr with a prefix, debug is dropped. */
const stderrLogger: ListenerLogger = {
  debug() {},
  warn(message) {
    info(`[gateway] ${message}`);
  },
  error(message) {
    info(`[gateway] error: ${message}`);
  },
};

/** Poll `done` every 50 ms (calling `tick`) until it holds, or fail after `timeoutMs` with `what`. */
async function waitFor(done: () => boolean, tick: () => void, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    tick();
    if (Date.now() > deadline) throw new Error(`sake demo timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  tick();
}

/** The demo's cache, how to describe it, and the line that tells how to look at it afterwards. */
interface DemoCache {
  cache: Backend;
  label: string;
  followUp: string;
}

/** Empty the demo's store, refusing (without `--yes`) to empty one that is not the demo's own and holds entries. */
async function emptyForDemo(cache: Backend, where: string, own: boolean, yes: boolean | undefined): Promise<void> {
  const existing = (await collectStats(cache)).total;
  if (existing > 0 && !own && yes !== true) {
    await cache.close();
    throw new UsageError(`the cache under ${where} holds ${existing} entries and sake demo would clear it: pass --yes, or use another one`);
  }
  if (existing > 0) {
    for (const resource of RESOURCE_CODES) await clearResource(cache, resource);
  }
}

/** Open the demo's cache: Redis (own prefix, emptied first), PostgreSQL (own schema, emptied first) or a fresh MemoryCache. */
async function openDemoCache(options: DemoOptions): Promise<DemoCache> {
  const url = redisUrlFrom(options);
  const pgUrl = postgresUrlFrom(options);
  if (url !== undefined && pgUrl !== undefined) throw new UsageError('give either --redis/REDIS_URL or --postgres/POSTGRES_URL, not both');
  if (pgUrl !== undefined) {
    const schema = options.schema ?? DEMO_SCHEMA;
    const { openPostgres } = await import('./postgres.js');
    const opened = await openPostgres(pgUrl, { schema });
    await emptyForDemo(opened.cache, `schema ${JSON.stringify(schema)}`, schema === DEMO_SCHEMA, options.yes);
    return {
      cache: opened.cache,
      label: `${maskUrl(pgUrl)} (schema ${schema})`,
      followUp: `the cache stays in PostgreSQL; look at it with: sake stats ${urlArgument('--postgres', 'POSTGRES_URL', pgUrl)}--schema ${schema}`,
    };
  }
  if (url === undefined) {
    const cache = new MemoryCache();
    await cache.open();
    return {
      cache,
      label: 'MemoryCache (in this process)',
      followUp: 'the in-memory cache ends with this process: run with --redis URL or --postgres URL to keep it, or --backup FILE to save it',
    };
  }
  const prefix = options.prefix ?? DEMO_PREFIX;
  const opened = await openRedis(url, { prefix });
  await emptyForDemo(opened.cache, `prefix ${JSON.stringify(prefix)}`, prefix === DEMO_PREFIX, options.yes);
  return {
    cache: opened.cache,
    label: `${maskUrl(url)} (prefix ${opened.prefix})`,
    followUp: `the cache stays in Redis; look at it with: sake stats ${urlArgument('--redis', 'REDIS_URL', url)}--prefix ${opened.prefix}`,
  };
}

/** Run the demo; resolves with the process exit code (1 when the cache does not match the simulated world). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const size = demoSize(options);
  const started = Date.now();
  const world = new World({ seed: options.seed, guilds: size.guilds, membersPerGuild: size.members });
  const gateway = new FakeGateway(world, { shards: options.shards });
  const { cache, label, followUp } = await openDemoCache(options);
  const listener = new GatewayListener(cache, {}, { logger: stderrLogger });
  let writeErrors = 0;
  listener.on('error', (error) => {
    writeErrors++;
    info(`[gateway] a batch could not be written: ${error.message}`);
  });
  let guildsApplied = 0;
  listener.on(GatewayDispatchEvents.GuildCreate, () => void guildsApplied++, { confirm: true });
  const manager = createManager(gateway);
  const bar = createProgress(options.progress);
  try {
    await gateway.start();
    info(
      `sake demo: ${size.guilds} guilds × ~${size.members} members on a local fake gateway (${gateway.url}, ${options.shards} shard${options.shards === 1 ? '' : 's'}) → ${label}`,
    );
    listener.attach(manager);

    // 1. Connect: READY, then one GUILD_CREATE per guild, each a full snapshot with its members.
    bar.start(size.guilds, 'guild snapshots', 'guilds');
    await manager.connect();
    await waitFor(
      () => guildsApplied >= size.guilds,
      () => bar.update(guildsApplied),
      options.timeout,
      'every GUILD_CREATE to be applied',
    );
    bar.stop();

    // 2. Member chunking, as a bot does for large guilds: REQUEST_GUILD_MEMBERS → GUILD_MEMBERS_CHUNKs.
    const largest = [...world.guilds.values()].reduce((a, b) => (b.members.size > a.members.size ? b : a));
    const chunked = await listener.requestMembers(largest.guild.id, { timeoutMs: options.timeout });

    // 3. Live traffic: a scripted, realistic mix of messages, presences, member and voice changes, …
    const script = new EventScript(world);
    const before = listener.stats().received;
    bar.start(size.events, 'live events    ', 'events');
    for (let sent = 0; sent < size.events;) {
      const slice = script.take(Math.min(500, size.events - sent));
      for (const event of slice) gateway.dispatch(event.payload, gateway.shardFor(event.guildId));
      sent += slice.length;
      bar.update(Math.max(0, listener.stats().applied - before));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(
      () => listener.stats().received - before >= size.events,
      () => bar.update(listener.stats().received - before),
      options.timeout,
      'the scripted events to arrive',
    );
    await listener.idle();
    bar.stop();
    const elapsed = (Date.now() - started) / 1000;

    // 4. What is in the cache now.
    const stats = await collectStats(cache);
    const ls = listener.stats();
    out(
      `filled ${label} in ${elapsed.toFixed(1)} s: ${ls.received} gateway events received, ${ls.mutations} mutations in ${ls.batches} batches${ls.malformed + ls.failed > 0 ? `, ${ls.malformed} malformed, ${ls.failed} failed` : ''}`,
    );
    out(`member chunking: ${chunked.members} members of guild ${largest.guild.id} in ${chunked.chunks} chunk${chunked.chunks === 1 ? '' : 's'}`);
    out('');
    out('cache contents:');
    for (const line of formatStats(stats)) out(line);

    // 5. A few reads, as a bot would do them.
    out('');
    out('sample reads:');
    const me = await cache.getMe();
    out(`  getMe() → ${me.username} (${me.id})`);
    const guild = await cache.getGuild(largest.guild.id);
    const memberCount = await cache.iterMembersForGuild(guild.id).len();
    out(`  getGuild(${guild.id}) → "${guild.name}", ${memberCount} members cached`);
    for await (const member of cache.iterMembersForGuild(guild.id)) {
      const fetched = await cache.getMember(guild.id, member.user.id);
      out(
        `  getMember(${guild.id}, ${fetched.user.id}) → ${fetched.user.username}${fetched.nick ? ` "${fetched.nick}"` : ''}, ${fetched.roles.length} role${fetched.roles.length === 1 ? '' : 's'}, joined ${fetched.joined_at}`,
      );
      break;
    }
    let shown = false;
    for await (const channel of cache.iterGuildChannelsForGuild(guild.id)) {
      const messages = await cache.iterMessagesForChannel(channel.id).len();
      if (messages === 0) continue;
      const [message] = await takeFirst(cache.iterMessagesForChannel(channel.id));
      out(
        `  iterMessagesForChannel(${channel.id}) → ${messages} message${messages === 1 ? '' : 's'}${message ? `, e.g. ${message.author.username}: ${JSON.stringify(message.content.slice(0, 40))}` : ''}`,
      );
      shown = true;
      break;
    }
    if (!shown) out('  (no messages cached yet: run with more --events)');

    // 6. Check the cache against the simulated world: the demo doubles as an end-to-end smoke test.
    const worldMembers = [...world.guilds.values()].reduce((n, g) => n + g.members.size, 0);
    const ok = stats.counts.guild === world.guilds.size && stats.counts.member === worldMembers && writeErrors === 0;
    out('');
    out(
      `check: ${stats.counts.guild}/${world.guilds.size} guilds and ${stats.counts.member}/${worldMembers} members match the simulated world: ${ok ? 'OK' : 'MISMATCH'}`,
    );

    if (options.backup !== undefined) {
      const result = await backup(cache, createWriteStream(options.backup));
      out(
        `backup: ${result.records} entries written to ${options.backup} (${formatBytes(result.bytes)}); inspect it with: sake stats --from-backup ${options.backup}`,
      );
    }
    out(followUp);
    return ok ? 0 : 1;
  } finally {
    bar.stop();
    listener.detach();
    await Promise.resolve(manager.destroy()).catch(() => undefined);
    await gateway.stop();
    await cache.close();
  }
}

/** How to name the same store in a follow-up command without printing its password. */
function urlArgument(flag: string, envName: string, url: string): string {
  if (process.env[envName]?.trim() === url) return '';
  const masked = maskUrl(url);
  return masked === url ? `${flag} ${url} ` : `${flag} <your URL> `;
}

async function takeFirst<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  for await (const item of iterable) return [item];
  return [];
}
