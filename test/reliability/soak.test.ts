// Bounded resources: minutes' worth of message-heavy traffic, compressed into a few seconds of wall
// time, through a GatewayListener into a RedisCache on a private redis-server. Redis memory
// (INFO used_memory) and the process heap are sampled and printed; after the warm-up they must stay
// within generous bounds, because the per-channel message limit, the message TTL, invite expiry
// and orphan-user expiry keep the store from growing with the stream.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCache } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';
import { EventScript, World } from '@sake/simulator';
import { startRedisServer } from '@sake/redis-server';
import { ModelDriver } from './support/model.js';
import { feed, recordingLogger, uniquePrefix } from './support/feed.js';

const TOTAL_EVENTS = Number(process.env.SAKE_SOAK_EVENTS ?? 48_000);
const WALL_LIMIT_MS = 30_000;
const PER_CHANNEL = 40;
const MESSAGE_TTL_MS = 4_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const lines: string[] = [];
afterAll(() => console.log(`[soak]\n${lines.join('\n')}`));

describe('soak: message traffic keeps memory bounded', () => {
  it('an edited or reacted message keeps its TTL (what bounds the store below)', async () => {
    const server = await startRedisServer();
    const cache = new RedisCache(server.url, { prefix: uniquePrefix('ttl'), sweepIntervalMs: 0 });
    await cache.open();
    try {
      const world = new World({ seed: 67, guilds: 1, membersPerGuild: 5 });
      const listener = new GatewayListener(cache, { messages: { perChannel: 10, ttlMs: 800 } }, { logger: recordingLogger() });
      await feed([listener], new ModelDriver(world).start());
      const script = new EventScript(world);
      const guildId = [...world.guilds.keys()][0]!;
      const events = [script.step('messageCreate', guildId), script.step('messageCreate', guildId), script.step('messageCreate', guildId)];
      // An edit and a reaction: both merge into a cached message.
      events.push(script.step('messageUpdate', guildId), script.step('reactionAdd', guildId));
      await feed(
        [listener],
        events.filter((e) => e !== undefined).map((e) => ({ guildId, payload: e.payload })),
      );
      expect(await cache.iterMessages().len()).toBe(3);
      await new Promise((r) => setTimeout(r, 1_300));
      const left = await cache.iterMessages().toArray();
      expect(
        left.map((m) => m.id),
        'messages still cached after their TTL',
      ).toEqual([]);
    } finally {
      await cache.close();
      await server.stop();
    }
  });

  it(`${TOTAL_EVENTS} events: Redis used_memory and the heap stay bounded`, { timeout: 60_000 }, async () => {
    const server = await startRedisServer();
    const cache = new RedisCache(server.url, { prefix: uniquePrefix('soak'), sweepIntervalMs: 500, userTtlMs: 2_000, userBuckets: 64 });
    await cache.open();
    const admin = cache.client;
    const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]) / 2 ** 20;
    try {
      const world = new World({ seed: 66, guilds: 5, membersPerGuild: [80, 120], textChannelsPerGuild: 4, messagesPerChannel: PER_CHANNEL });
      const listener = new GatewayListener(cache, { messages: { perChannel: PER_CHANNEL, ttlMs: MESSAGE_TTL_MS } }, { logger: recordingLogger() });
      listener.on('error', () => undefined);
      await feed([listener], new ModelDriver(world).start());
      // Mostly messages and reactions, with member churn (orphan users) and invites (expiring).
      const script = new EventScript(world, {
        messageCreate: 60,
        messageUpdate: 5,
        messageDelete: 3,
        reactionAdd: 10,
        presenceUpdate: 10,
        memberAdd: 3,
        memberRemove: 3,
        inviteCreate: 0.3,
        inviteDelete: 0.3,
        channelCreate: 0,
        channelDelete: 0,
        threadCreate: 0,
        roleCreate: 0,
        roleDelete: 0,
      });
      const started = Date.now();
      const samples: { events: number; redisMb: number; heapMb: number; messages: number; users: number }[] = [];
      const sample = async (events: number): Promise<void> => {
        await listener.idle();
        samples.push({
          events,
          redisMb: await usedMemory(),
          heapMb: heapMb(),
          messages: await cache.iterMessages().len(),
          users: await cache.iterUsers().len(),
        });
      };
      let sent = 0;
      const step = 2_000;
      const sampleEvery = TOTAL_EVENTS / 6;
      while (sent < TOTAL_EVENTS && Date.now() - started < WALL_LIMIT_MS) {
        for (const e of script.take(step)) listener.handle(e.payload, 0);
        sent += step;
        // Keep the backlog small, as a socket would (the listener has no backpressure of its own).
        await listener.idle();
        if (sent % sampleEvery < step) await sample(sent);
      }
      // Let the message TTL and the orphan-user retention pass, then measure the settled store.
      await new Promise((r) => setTimeout(r, MESSAGE_TTL_MS + 1_000));
      await cache.sweepOrphanUsers();
      await sample(sent);
      const stats = listener.stats();
      const wallMs = Date.now() - started;
      const channels = [...world.guilds.values()].reduce((n, g) => n + g.channels.size + g.threads.size, 0);
      for (const s of samples)
        lines.push(
          `  after ${String(s.events).padStart(7)} events: redis ${s.redisMb.toFixed(1)} MB, heap ${s.heapMb.toFixed(1)} MB, ${s.messages} messages, ${s.users} users`,
        );
      lines.push(
        `  ${stats.applied} events applied (${stats.failed} failed) in ${(wallMs / 1000).toFixed(1)} s; ${channels} channels × ${PER_CHANNEL} messages max`,
      );

      expect(stats.failed).toBe(0);
      expect(sent).toBeGreaterThanOrEqual(Math.min(TOTAL_EVENTS, 20_000));
      const first = samples[0]!;
      const peakRedis = Math.max(...samples.map((s) => s.redisMb));
      const peakHeap = Math.max(...samples.map((s) => s.heapMb));
      // The message limit holds at every sample; after the TTL nothing is left.
      for (const s of samples) expect(s.messages).toBeLessThanOrEqual(channels * PER_CHANNEL);
      expect(samples[samples.length - 1]!.messages).toBe(0);
      // Generous bounds: growth after the first sample stays a fraction of what unbounded storage would take
      // (~1 KB per message: 100k messages would be ~100 MB).
      expect(peakRedis).toBeLessThan(first.redisMb * 2 + 20);
      expect(peakHeap).toBeLessThan(first.heapMb * 2 + 100);
      // Users do not pile up: members churn, orphans expire.
      const members = await cache.iterMembers().len();
      expect(samples[samples.length - 1]!.users).toBeLessThanOrEqual(members + 50);
    } finally {
      await cache.close();
      await server.stop();
    }
  });
});
