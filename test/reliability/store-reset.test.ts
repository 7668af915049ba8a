// Redis restarts empty while the bot's gateway session goes on (no new READY would ever come): the
// cache notices on reconnect that its store was re-created (layout record gone), tells the attached
// listener, and the listener reconnects its shards for a fresh IDENTIFY, whose READY and
// GUILD_CREATEs refill the cache. A real @discordjs/ws WebSocketManager on the fake gateway, a
// private redis-server killed with SIGKILL and brought back without its data.
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCache } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';
import { FakeGateway, World, createManager } from '@sake/simulator';
import { rawCommand, startRedisServer, type RedisServer } from '@sake/redis-server';
import { eventually, recordingLogger, uniquePrefix } from './support/feed.js';

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

/** The guild, channel and member ids the cache holds, against what the world says. */
async function cacheMatchesWorld(cache: RedisCache, world: World): Promise<void> {
  expect(sorted((await cache.iterGuilds().toArray()).map((g) => g.id))).toEqual(sorted(world.guilds.keys()));
  for (const [guildId, state] of world.guilds) {
    expect(sorted((await cache.iterMembersForGuild(guildId).toArray()).map((m) => m.user.id)), `members of ${guildId}`).toEqual(sorted(state.members.keys()));
    expect(sorted((await cache.iterGuildChannelsForGuild(guildId).toArray()).map((c) => c.id)), `channels of ${guildId}`).toEqual(
      sorted([...state.channels.keys(), ...state.threads.keys()]),
    );
    expect(sorted((await cache.iterRolesForGuild(guildId).toArray()).map((r) => r.id)), `roles of ${guildId}`).toEqual(sorted(state.roles.keys()));
  }
  expect((await cache.getMe()).id).toBe(world.me.id);
}

const summary = { resets: 0, identifies: 0 };
afterAll(() => console.log(`[store-reset] ${summary.resets} empty restart(s) noticed, ${summary.identifies} IDENTIFYs in all, cache refilled each time`));

describe('Redis restarts empty under a live gateway session', () => {
  it('the cache reports the reset, the listener re-identifies its shards, and the cache is refilled', { timeout: 60_000 }, async () => {
    // No persistence: a SIGKILL loses everything.
    const server: RedisServer = await startRedisServer();
    const world = new World({ seed: 4242, guilds: 4, membersPerGuild: [20, 60] });
    const gateway = new FakeGateway(world, { shards: 2, heartbeatIntervalMs: 500 });
    const identifies: number[] = [];
    gateway.on('identify', (shardId) => identifies.push(shardId));
    await gateway.start();
    const cache = new RedisCache(server.url, {
      prefix: uniquePrefix('reset'),
      commandTimeoutMs: 1_000,
      connectTimeoutMs: 2_000,
      sweepIntervalMs: 0,
      userBuckets: 16,
    });
    await cache.open();
    const logger = recordingLogger();
    const listener = new GatewayListener(cache, {}, { logger });
    const manager = createManager(gateway);
    try {
      listener.attach(manager);
      await manager.connect();
      await eventually(() => cacheMatchesWorld(cache, world), 15_000);
      expect(sorted(identifies.map(String))).toEqual(['0', '1']);

      await server.kill9();
      await server.restart();
      // The restarted server is empty: nothing of ours is there until the listener refills it.
      await eventually(async () => expect(listener.stats().storeResets).toBe(1), 15_000);
      await eventually(async () => expect(identifies.length).toBe(4), 15_000);
      await eventually(() => cacheMatchesWorld(cache, world), 20_000);
      await listener.idle();
      expect([...listener.staleGuilds]).toEqual([]);
      expect(logger.warnings.some((w) => w.includes('lost its data'))).toBe(true);

      // Still one session per shard and the cache keeps following it.
      const member = [...world.guilds.values()][0]!;
      expect(await cache.iterMembersForGuild(member.guild.id).len()).toBe(member.members.size);
      summary.resets += listener.stats().storeResets;
      summary.identifies += identifies.length;
    } finally {
      listener.detach();
      await manager.destroy();
      await gateway.stop();
      await cache.close();
      await server.stop();
    }
  });

  it('every process on the store hears of the reset, also when another one re-created the store first', { timeout: 30_000 }, async () => {
    const server: RedisServer = await startRedisServer();
    const prefix = uniquePrefix('reset2');
    const options = { prefix, commandTimeoutMs: 1_000, connectTimeoutMs: 2_000, sweepIntervalMs: 0, userBuckets: 16 };
    const caches = [new RedisCache(server.url, options), new RedisCache(server.url, options)];
    const heard: string[][] = [[], []];
    try {
      await Promise.all(caches.map((c) => c.open()));
      caches.forEach((c, i) => c.onStoreReset((reason) => heard[i]!.push(reason)));
      // A reconnect with the data intact is not a reset: drop the connections, not the data.
      await rawCommand(server.port, 'CLIENT KILL TYPE normal');
      await eventually(() => Promise.all(caches.map((c) => c.iterGuilds().len())), 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(heard.map((h) => h.length)).toEqual([0, 0]);
      await server.kill9();
      await server.restart();
      await eventually(async () => expect(heard.map((h) => h.length)).toEqual([1, 1]), 10_000);
      // One of them re-created the layout record (missing), the other found a new epoch.
      const reasons = heard.map((h) => h[0]!);
      expect(reasons.some((r) => r.includes('was gone')) && reasons.some((r) => r.includes('another store epoch'))).toBe(true);
    } finally {
      await Promise.all(caches.map((c) => c.close()));
      await server.stop();
    }
  });
});
