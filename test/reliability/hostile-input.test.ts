// Hostile input: fuzzed gateway payloads (wrong types, missing and non-snowflake ids, huge strings,
// deep nesting, unknown events, prototype-pollution keys) through listener.handle and through a real
// @discordjs/ws WebSocketManager attached to the fake gateway. They never throw into the caller,
// are counted in the listener's stats, and never change an entry they do not name (a control guild
// no payload mentions is identical before and after; MemoryCache, RedisCache and PostgresCache fed
// the same junk still agree). Foreign or corrupted bytes under our Redis keys are InvalidDataFound naming the key;
// ids with glob characters or CR/LF never reach a key name.
import { afterAll, describe, expect, inject, it } from 'vitest';
import fc from 'fast-check';
import { InvalidDataFound, mutation, type Backend } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { PostgresCache } from '@sake/postgres';
import { RedisCache, Keys } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';
import { EventScript, FakeGateway, World, createManager, type ScriptEventKind, DEFAULT_EVENT_WEIGHTS } from '@sake/simulator';
import { feed, recordingLogger, uniquePrefix, type GatewayDispatchPayload } from './support/feed.js';
import { BAD_IDS, hostileValue, mutate, paths, randomPayload } from './support/hostile.js';
import { collectIds, firstDifferences, snapshot, snapshots, type CacheSnapshot } from './support/snapshot.js';
import { ModelDriver } from './support/model.js';

/** The single-node ioredis client a RedisCache exposes (no direct ioredis dependency here). */
type RedisClient = Extract<RedisCache['client'], { monitor: unknown }>;

const SEED = Number(process.env.SAKE_FUZZ_SEED ?? 0xf022);
const totals = { fuzzed: 0, malformed: 0, ignored: 0, applied: 0 };
afterAll(() =>
  console.log(
    `[hostile] seed ${SEED}: ${totals.fuzzed} hostile payloads (malformed ${totals.malformed}, ignored ${totals.ignored}, applied ${totals.applied}), 0 thrown`,
  ),
);

function world(): World {
  return new World({ seed: 11, guilds: 3, membersPerGuild: [6, 12], sharedUsers: 0, messagesPerChannel: 20 });
}

/** Valid events of the target guilds (not the control guild), each then mutated at one path. */
function hostileStream(w: World, targets: readonly string[], count: number): GatewayDispatchPayload[] {
  const script = new EventScript(w);
  const kinds = Object.keys(DEFAULT_EVENT_WEIGHTS) as ScriptEventKind[];
  const valid: GatewayDispatchPayload[] = [];
  for (let i = 0; valid.length < count && i < count * 10; i++) {
    const event = script.step(kinds[i % kinds.length]!, targets[i % targets.length]!);
    if (event) valid.push(event.payload);
  }
  for (const id of targets) valid.push({ op: 0, s: 0, t: 'GUILD_CREATE', d: w.guildCreate(id) } as unknown as GatewayDispatchPayload);
  const mutated = fc.sample(
    fc.record({ index: fc.nat(valid.length - 1), pathPick: fc.nat(), value: hostileValue }).map(({ index, pathPick, value }) => {
      const base = valid[index]!;
      const all = [[], ...paths(base.d)];
      return mutate(base, all[pathPick % all.length]!, value);
    }),
    { seed: SEED, numRuns: count },
  );
  const random = fc.sample(randomPayload, { seed: SEED + 1, numRuns: Math.floor(count / 2) });
  // Interleave the junk with valid events, so a hostile payload batched with good ones can't take them down.
  const out: GatewayDispatchPayload[] = [];
  mutated.forEach((p, i) => {
    out.push(p);
    if (valid[i]) out.push(valid[i]);
    if (random[i]) out.push(random[i]);
  });
  return out;
}

/** The entries of one guild, users reduced to ids (a shared user may legitimately change elsewhere). */
function guildPart(s: CacheSnapshot, guildId: string): unknown {
  const strip = (e: Record<string, unknown>): Record<string, unknown> =>
    'user' in e && typeof e.user === 'object' ? { ...e, user: { id: (e.user as { id: string }).id } } : e;
  const part = s.forGuild[guildId]!;
  return {
    guild: s.point[`guild ${guildId}`],
    ...Object.fromEntries(Object.entries(part).map(([k, v]) => [k, v.map(strip)])),
  };
}

describe('hostile gateway payloads', () => {
  it('through listener.handle: never thrown, counted, no unrelated entry changed, Memory, Redis and Postgres agree', { timeout: 60_000 }, async () => {
    const w = world();
    const [target1, target2, control] = [...w.guilds.keys()] as [string, string, string];
    const memory = new MemoryCache();
    const redis = new RedisCache(inject('redisUrl'), { prefix: uniquePrefix('hostile'), sweepIntervalMs: 0, userBuckets: 8 });
    const postgres = new PostgresCache(inject('pgUrl'), { schema: uniquePrefix('hostile').replace(/[^A-Za-z0-9_]/g, '_'), sweepIntervalMs: 0 });
    const caches: Backend[] = [memory, redis, postgres];
    const names = ['memory', 'redis', 'postgres'];
    await Promise.all(caches.map((c) => c.open()));
    const loggers = caches.map(() => recordingLogger());
    const listeners = caches.map((c, i) => new GatewayListener(c, {}, { logger: loggers[i] }));
    await feed(listeners, new ModelDriver(w).start());
    const ids = await collectIds(caches);
    const before = await Promise.all(caches.map((c) => snapshot(c, ids)));

    const hostile = hostileStream(w, [target1, target2], 400);
    for (const payload of hostile) {
      for (const listener of listeners) expect(() => listener.handle(payload, 0)).not.toThrow();
    }
    await Promise.all(listeners.map((l) => l.idle()));

    // Counted before any assertion, so the printed totals are right even when one fails.
    const s = listeners[1]!.stats();
    totals.fuzzed += hostile.length;
    totals.malformed += s.malformed;
    totals.ignored += s.ignored;
    totals.applied += s.applied;
    const after = await snapshots(caches);
    const afterIds = await collectIds(caches);
    const [memAfter, ...othersAfter] = await Promise.all(caches.map((c) => snapshot(c, afterIds)));
    for (const [i, other] of othersAfter.entries()) {
      expect(firstDifferences(memAfter!, other), `${names[i + 1]} differs from MemoryCache after the hostile stream`).toEqual([]);
    }
    expect(after).toHaveLength(caches.length);
    for (const [i, b] of before.entries()) {
      const a = i === 0 ? memAfter! : othersAfter[i - 1]!;
      expect(guildPart(a, control), `control guild untouched (${names[i]})`).toEqual(guildPart(b, control));
    }
    for (const [i, listener] of listeners.entries()) {
      const stats = listener.stats();
      expect(stats.received).toBe(hostile.length + 4);
      expect(stats.pending).toBe(0);
      expect(stats.failed, `no write failed: ${loggers[i]!.errors.slice(0, 3).join('\n')}`).toBe(0);
      // Everything is accounted for: written, ignored (no cache effect) or skipped as malformed.
      expect(stats.applied + stats.ignored + stats.malformed + stats.filtered).toBe(stats.received);
      expect(stats.malformed).toBeGreaterThan(100);
      expect(loggers[i]!.warnings.length).toBe(stats.malformed);
    }
    // No prototype was polluted by the payloads' `__proto__` / `constructor` keys.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await Promise.all(caches.map((c) => c.close()));
  });

  it('through a real WebSocketManager on the fake gateway: nothing reaches @discordjs/ws, the shard stays connected', { timeout: 60_000 }, async () => {
    const w = world();
    const gateway = new FakeGateway(w, { heartbeatIntervalMs: 5_000 });
    await gateway.start();
    const cache = new RedisCache(inject('redisUrl'), { prefix: uniquePrefix('hostile-ws'), sweepIntervalMs: 0, userBuckets: 8 });
    await cache.open();
    const logger = recordingLogger();
    const listener = new GatewayListener(cache, {}, { logger });
    const manager = createManager(gateway);
    const managerErrors: unknown[] = [];
    // 'error' is WebSocketShardEvents.Error, an enum of @discordjs/ws, which these tests do not depend on.
    manager.on('error' as never, ((e: unknown) => void managerErrors.push(e)) as never);
    let identifies = 0;
    let resumes = 0;
    gateway.on('identify', () => identifies++);
    gateway.on('resume', () => resumes++);
    listener.attach(manager);
    const ready = new Promise<void>((resolve) => gateway.once('ready', () => resolve()));
    await manager.connect();
    await ready;
    try {
      const hostile = hostileStream(w, [...w.guilds.keys()].slice(0, 2), 200);
      const marker = new Promise<void>((resolve) => listener.on('TYPING_START', (d) => (d as { timestamp?: unknown }).timestamp === 424242 && resolve()));
      for (const payload of hostile) gateway.dispatch(payload, 0);
      gateway.dispatch({ op: 0, s: 0, t: 'TYPING_START', d: { channel_id: '1', user_id: '1', timestamp: 424242 } } as never, 0);
      await marker;
      await listener.idle();
      const stats = listener.stats();
      // READY + 3 GUILD_CREATEs + the hostile ones + the marker, each received once.
      expect(stats.received).toBe(4 + hostile.length + 1);
      expect(stats.failed, `no write failed: ${[...new Set(logger.errors)].slice(0, 5).join('\n')}`).toBe(0);
      expect(stats.malformed).toBeGreaterThan(50);
      expect(managerErrors).toEqual([]);
      expect({ identifies, resumes, connected: gateway.isConnected(0) }).toEqual({ identifies: 1, resumes: 0, connected: true });
      // The cache still serves the guilds the junk did not name correctly.
      const control = [...w.guilds.keys()][2]!;
      expect((await cache.getGuild(control)).name).toBe(w.guild(control).guild.name);
      totals.fuzzed += hostile.length;
    } finally {
      listener.detach();
      await manager.destroy();
      await gateway.stop();
      await cache.close();
    }
  });

  it('ids with glob characters, CR/LF or non-canonical digits never reach a key name (TypeError before any I/O)', async () => {
    const prefix = uniquePrefix('ids');
    const cache = new RedisCache(inject('redisUrl'), { prefix, sweepIntervalMs: 0, userBuckets: 8 });
    await cache.open();
    const admin = (cache.client as RedisClient).duplicate({ enableOfflineQueue: true });
    const monitor = await admin.duplicate().monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
    const calls: [string, (id: unknown) => unknown][] = [
      ['getGuild', (id) => cache.getGuild(id as string)],
      ['getMember(g)', (id) => cache.getMember(id as string, '1')],
      ['getMember(u)', (id) => cache.getMember('1', id as string)],
      ['getMessage', (id) => cache.getMessage(id as string)],
      ['getInvite', (id) => cache.getInvite(id as string)],
      ['deleteGuildChannel', (id) => cache.deleteGuildChannel(id as string)],
      ['iterMembersForGuild', (id) => cache.iterMembersForGuild(id as string).toArray()],
      ['iterMessagesForChannel', (id) => cache.iterMessagesForChannel(id as string).toArray()],
      ['clearMembersForUser', (id) => cache.clearMembersForUser(id as string)],
      [
        'apply(set member)',
        (id) => cache.apply([mutation.set('member', { guild_id: '1', user: { id }, roles: [], joined_at: null, deaf: false, mute: false, flags: 0 } as never)]),
      ],
      ['apply(delete message)', (id) => cache.apply([mutation.delete('message', { messageId: id as string })])],
      ['apply(clearFor)', (id) => cache.apply([mutation.clearFor('message', 'channel', id as string)])],
    ];
    let tried = 0;
    for (const bad of [...BAD_IDS, '*', '1 *', 'a\r\nb']) {
      for (const [name, call] of calls) {
        // Invite codes allow letters: only the ids that are also bad codes apply to getInvite.
        if (name === 'getInvite' && typeof bad === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(bad)) continue;
        let error: unknown;
        try {
          await call(bad);
        } catch (e) {
          error = e;
        }
        expect(error, `${name}(${typeof bad === 'object' && bad !== null ? JSON.stringify(bad) : JSON.stringify(String(bad))})`).toBeInstanceOf(TypeError);
        tried++;
      }
    }
    // Let MONITOR catch up, then check no command sent during the calls named a bad id.
    await admin.ping();
    await new Promise((r) => setTimeout(r, 200));
    const ours = commands.filter((c) => c.includes(prefix));
    for (const c of ours) expect(c).not.toMatch(/[*?\r\n[\]]|\{g:1\}/);
    // And through the listener: such ids are malformed payloads, skipped before any write.
    const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
    for (const bad of BAD_IDS) {
      listener.handle({ op: 0, s: 0, t: 'GUILD_MEMBER_ADD', d: { guild_id: bad, user: { id: '5' }, roles: [] } } as never, 0);
      listener.handle({ op: 0, s: 0, t: 'MESSAGE_DELETE', d: { id: bad, channel_id: '5' } } as never, 0);
      listener.handle({ op: 0, s: 0, t: 'INVITE_CREATE', d: { code: `${typeof bad}*\r\n`, channel_id: '5' } } as never, 0);
    }
    await listener.idle();
    expect(listener.stats()).toMatchObject({ malformed: BAD_IDS.length * 3, applied: 0, failed: 0 });
    const keys: string[] = [];
    for (let cursor = '0'; ;) {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
      if (cursor === '0') break;
    }
    for (const key of keys) expect(key.slice(prefix.length)).not.toMatch(/[*?\r\n\s]/);
    totals.fuzzed += tried + BAD_IDS.length * 3;
    monitor.disconnect();
    admin.disconnect();
    await cache.close();
  });

  it('foreign or corrupted bytes under our keys are InvalidDataFound naming the key', async () => {
    const prefix = uniquePrefix('foreign');
    const cache = new RedisCache(inject('redisUrl'), { prefix, sweepIntervalMs: 0, userBuckets: 8 });
    await cache.open();
    const w = world();
    const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
    const driver = new ModelDriver(w);
    await feed([listener], driver.start());
    const guildId = [...w.guilds.keys()][0]!;
    const script = new EventScript(w, {
      messageCreate: 1,
      ...Object.fromEntries(
        Object.keys(DEFAULT_EVENT_WEIGHTS)
          .filter((k) => k !== 'messageCreate')
          .map((k) => [k, 0]),
      ),
    });
    const messages = script.take(4).map((e) => e.payload.d as { id: string });
    await feed(
      [listener],
      messages.map((d) => ({ guildId, payload: { op: 0, s: 0, t: 'MESSAGE_CREATE', d } as never })),
    );
    const keys = new Keys(prefix);
    const client = cache.client as RedisClient;
    const meBytes = await client.getBuffer(keys.me);
    expect(meBytes).not.toBeNull();
    const foreign: [string, Buffer | string][] = [
      ['JSON another program wrote', JSON.stringify({ id: messages[0]!.id, content: 'hi' })],
      // msgpack of { id: '1' }: valid msgpack, but not one of our versioned records.
      ['plain msgpack without our header', Buffer.from([0x81, 0xa2, 0x69, 0x64, 0xa1, 0x31])],
      ['another resource’s record (the me record)', meBytes!],
      ['truncated garbage', Buffer.from([0xff, 0x00, 0x13])],
    ];
    for (const [i, [what, bytes]] of foreign.entries()) {
      const key = keys.message(messages[i]!.id);
      await client.set(key, bytes, 'KEEPTTL');
      const error = await cache.getMessage(messages[i]!.id).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(InvalidDataFound);
      expect((error as InvalidDataFound).key, what).toContain(key);
      expect((error as Error).message, what).toContain(key);
      // Iterating meets the same entry: it surfaces the same error instead of a wrong object.
      await expect(cache.iterMessagesForChannel((messages[i] as unknown as { channel_id: string }).channel_id).toArray(), what).rejects.toBeInstanceOf(
        InvalidDataFound,
      );
    }
    // The guild record, overwritten by a foreign program in its hash.
    await client.hset(keys.guildMeta(guildId), 'g', JSON.stringify({ id: guildId }));
    const guildError = await cache.getGuild(guildId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(guildError).toBeInstanceOf(InvalidDataFound);
    expect((guildError as InvalidDataFound).key).toContain(keys.guildMeta(guildId));
    // A foreign value of the wrong Redis type under our `me` key.
    await client.del(keys.me);
    await client.rpush(keys.me, 'not', 'ours');
    const meError = await cache.getMe().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(meError, 'a list where our string should be').toBeInstanceOf(InvalidDataFound);
    expect((meError as InvalidDataFound).key).toContain(keys.me);
    // Other entries still read fine.
    const other = [...w.guilds.keys()][1]!;
    expect((await cache.getGuild(other)).id).toBe(other);
    await cache.close();
  });
});
