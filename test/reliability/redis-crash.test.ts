// Redis dies mid-stream: a private redis-server is killed with SIGKILL while a large replay is being
// ingested. Reads reject with BackendError within the configured timeout; the listener neither
// crashes nor stops (it reports the failed writes through its 'error' event, stats and staleGuilds);
// after Redis comes back (from its AOF written with appendfsync always, or empty) the stale guilds'
// next GUILD_CREATE resynchronises them and the cache converges to a MemoryCache fed the same events
// (messages aside: Discord never resends those). Everything a confirmed handler saw before the kill
// is still there afterwards when Redis runs with appendfsync always.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { RedisCache } from '@sake/redis';
import { GatewayListener, type ListenerWriteError } from '@sake/gateway';
import { EventScript, World } from '@sake/simulator';
import { startRedisServer, type RedisServer } from '@sake/redis-server';
import { ModelDriver } from './support/model.js';
import { eventually, feed, recordingLogger, uniquePrefix, type GatewayDispatchPayload } from './support/feed.js';
import { firstDifferences, snapshots } from './support/snapshot.js';
import { withoutMessages } from './support/strip.js';

const TIMEOUT_MS = 500;
const totals = { events: 0, crashes: 0, failedWrites: 0, confirmedChecked: 0, lost: 0 };
afterAll(() =>
  console.log(
    `[redis-crash] ${totals.crashes} kill -9 survived, ${totals.events} events fed, ${totals.failedWrites} writes failed during outages, ${totals.confirmedChecked} confirmed entries checked after restart, ${totals.lost} lost`,
  ),
);

/** A stream that only adds and updates (no deletes), so whatever was confirmed must still be cached. */
const GROWING = {
  messageCreate: 30,
  presenceUpdate: 10,
  memberAdd: 5,
  memberUpdate: 5,
  reactionAdd: 5,
  voiceStateUpdate: 3,
  channelUpdate: 1,
  roleUpdate: 1,
  messageUpdate: 0,
  messageDelete: 0,
  messageDeleteBulk: 0,
  reactionRemove: 0,
  reactionRemoveAll: 0,
  reactionRemoveEmoji: 0,
  memberRemove: 0,
  inviteCreate: 0,
  inviteDelete: 0,
  channelCreate: 0,
  channelDelete: 0,
  threadCreate: 0,
  roleCreate: 0,
  roleDelete: 0,
  emojisUpdate: 0,
  guildUpdate: 0,
  pinsUpdate: 0,
};

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function scenario(mode: 'aof' | 'empty'): Promise<void> {
  const server: RedisServer = await startRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  const prefix = uniquePrefix(`crash-${mode}`);
  const cache = new RedisCache(server.url, { prefix, commandTimeoutMs: TIMEOUT_MS, connectTimeoutMs: 2_000, sweepIntervalMs: 0, userBuckets: 16 });
  const reference = new MemoryCache();
  await Promise.all([cache.open(), reference.open()]);
  try {
    const world = new World({ seed: mode === 'aof' ? 21 : 22, guilds: 6, membersPerGuild: [40, 80], messagesPerChannel: 100_000 });
    const rules = { messages: { perChannel: 100_000 } };
    const logger = recordingLogger();
    const listener = new GatewayListener(cache, rules, { logger });
    const refListener = new GatewayListener(reference, rules, { logger: recordingLogger() });
    const errors: ListenerWriteError[] = [];
    listener.on('error', (e) => void errors.push(e));
    const confirmedMessages = new Set<string>();
    const confirmedMembers = new Set<string>();
    listener.on('MESSAGE_CREATE', (d) => void confirmedMessages.add(d.id), { confirm: true });
    listener.on('GUILD_MEMBER_ADD', (d) => void confirmedMembers.add(`${d.guild_id}/${d.user.id}`), { confirm: true });

    const driver = new ModelDriver(world);
    await feed([listener, refListener], driver.start());
    const script = new EventScript(world, GROWING);
    const stream: GatewayDispatchPayload[] = script.take(6_000).map((e) => e.payload);

    // Ingest in slices, as a socket would deliver them, and kill Redis a third of the way in.
    let beforeKill: { messages: Set<string>; members: Set<string> } | undefined;
    const killAt = 2_000;
    const reviveAt = 4_000;
    for (let i = 0; i < stream.length; i += 100) {
      if (i === killAt) {
        // Let some writes be confirmed, but kill while a backlog is still in flight.
        await eventually(async () => expect(confirmedMessages.size).toBeGreaterThanOrEqual(100), 20_000, 2);
        expect(listener.stats().pending).toBeGreaterThan(0);
        beforeKill = { messages: new Set(confirmedMessages), members: new Set(confirmedMembers) };
        await server.kill9();
        totals.crashes++;
        // Reads now fail fast with BackendError, not a hang.
        const started = Date.now();
        const error = await cache.getGuild([...world.guilds.keys()][0]!).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(BackendError);
        expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);
        await expect(cache.iterMembers().toArray()).rejects.toBeInstanceOf(BackendError);
      }
      if (i === reviveAt) {
        await listener.idle();
        // The listener is alive, counted every failure and knows which guilds are behind.
        expect(listener.stats().failed).toBeGreaterThan(0);
        expect(errors.length).toBeGreaterThan(0);
        expect(listener.staleGuilds.size).toBeGreaterThan(0);
        for (const e of errors) for (const g of e.guildIds) expect(listener.staleGuilds.has(g)).toBe(true);
        if (mode === 'empty') {
          // Lose everything: the AOF and any snapshot.
          rmSync(join(server.dir, 'appendonlydir'), { recursive: true, force: true });
          rmSync(join(server.dir, 'dump.rdb'), { force: true });
        }
        await server.restart();
        // ioredis reconnects on its own; wait until a read goes through again.
        await eventually(() => cache.iterGuilds().len(), 10_000);
      }
      for (const payload of stream.slice(i, i + 100)) {
        listener.handle(payload, 0);
        refListener.handle(payload, 0);
      }
      await tick();
    }
    await Promise.all([listener.idle(), refListener.idle()]);
    totals.events += stream.length + 7;
    totals.failedWrites += listener.stats().failed;

    if (mode === 'aof') {
      // appendfsync always: every confirmed write before the kill survived it.
      const missing: string[] = [];
      for (const id of beforeKill!.messages) await cache.getMessage(id).catch(() => missing.push(`message ${id}`));
      for (const key of beforeKill!.members) {
        const [g, u] = key.split('/') as [string, string];
        await cache.getMember(g, u).catch(() => missing.push(`member ${key}`));
      }
      totals.confirmedChecked += beforeKill!.messages.size + beforeKill!.members.size;
      totals.lost += missing.length;
      expect(beforeKill!.messages.size).toBeGreaterThanOrEqual(100);
      expect(missing).toEqual([]);
    }

    // Resynchronise: the stale guilds' next GUILD_CREATE (after an empty restart, a fresh session: READY first).
    const stale = [...listener.staleGuilds];
    expect(stale.length).toBeGreaterThan(0);
    const resync =
      mode === 'empty'
        ? driver.start()
        : stale.map((id) => ({ guildId: id, payload: { op: 0, s: 0, t: 'GUILD_CREATE', d: world.guildCreate(id) } as unknown as GatewayDispatchPayload }));
    await feed([listener, refListener], resync);
    expect([...listener.staleGuilds]).toEqual([]);
    // The listener kept its place: later events apply normally, none fails.
    const failedBefore = listener.stats().failed;
    await feed(
      [listener, refListener],
      script.take(500).map((e) => ({ guildId: e.guildId, payload: e.payload })),
    );
    expect(listener.stats().failed).toBe(failedBefore);

    // Another process opening the store now, with default options, must read it the same way: the store's
    // layout (its user bucket count) has to be on record again after Redis came back, empty or not.
    const newcomer = new RedisCache(server.url, { prefix, sweepIntervalMs: 0 });
    await newcomer.open();
    try {
      const someMember = (await reference.iterMembers().toArray())[0]!;
      const seen = await newcomer.getMember(someMember.guild_id, someMember.user.id);
      expect(seen.user.username, 'a member read by a process that opened the store after the restart').toBe(someMember.user.username);
    } finally {
      await newcomer.close();
    }

    // Compare through a second client with the default timeout: the snapshot's hundreds of reads must not
    // trip the short timeout this test gives the listener's cache when CI is busy.
    const verifier = new RedisCache(server.url, { prefix, sweepIntervalMs: 0, userBuckets: 16 });
    await verifier.open();
    const [ref, got] = await snapshots([reference, verifier]).finally(() => verifier.close());
    expect(firstDifferences(withoutMessages(ref!), withoutMessages(got!), 10), 'cache converged to the reference (messages aside)').toEqual([]);
    // Messages: never one the reference does not have.
    const refMessages = new Set(ref!.all.messages!.entries.map((m) => m.id as string));
    for (const m of got!.all.messages!.entries) expect(refMessages.has(m.id as string)).toBe(true);
  } finally {
    await cache.close();
    await reference.close();
    await server.stop();
  }
}

describe('Redis killed mid-stream', () => {
  it('restarts from its AOF (appendfsync always): nothing confirmed is lost, stale guilds resync on GUILD_CREATE', { timeout: 60_000 }, () => scenario('aof'));
  it('restarts empty: a fresh session (READY + GUILD_CREATEs) brings the cache back to the reference', { timeout: 60_000 }, () => scenario('empty'));
});
