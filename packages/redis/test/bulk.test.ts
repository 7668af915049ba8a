/**
 * A 100k-member GUILD_CREATE is a handful of pipelined round trips, not 100k
 * commands: counted with MONITOR on a private server (commands run inside
 * Lua scripts are not client commands and are not counted).
 */
import { randomBytes } from 'node:crypto';
import { mutation } from '@sake/abc';
import { RedisCache } from '@sake/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../../test/setup/redis-server.js';
import { isScriptCall, sf, uniquePrefix } from './helpers.js';

const MEMBERS = 100_000;
let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

function realisticMember(guildId: string, roles: string[], i: number): Record<string, unknown> {
  const id = sf();
  return {
    guild_id: guildId,
    user: {
      id,
      username: `member_${i.toString(36)}`,
      discriminator: '0',
      global_name: i % 3 === 0 ? null : `Member ${i}`,
      avatar: i % 4 === 0 ? null : randomBytes(16).toString('hex'),
      public_flags: i % 7 === 0 ? 256 : 0,
      ...(i % 50 === 0 ? { bot: true } : {}),
    },
    nick: i % 5 === 0 ? `nick${i}` : null,
    avatar: null,
    roles: roles.slice(0, i % 4),
    joined_at: new Date(1_600_000_000_000 + i * 1000).toISOString().replace('Z', '000+00:00'),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
  };
}

describe('bulk ingest', () => {
  it(`replaceForGuild of ${MEMBERS.toLocaleString('en')} members takes a few pipelined waves, not one command per member`, async () => {
    const admin = new Redis(server.url);
    // MONITOR slows the server down a lot, and this test counts commands, not time.
    const cache = new RedisCache(server.url, { prefix: uniquePrefix('bulk'), commandTimeoutMs: 60_000 });
    await cache.open();
    const guildId = sf();
    const roles = Array.from({ length: 5 }, () => sf());
    const members = Array.from({ length: MEMBERS }, (_, i) => realisticMember(guildId, roles, i));
    const before = usedMemory(await admin.info('memory'));

    const monitor = await admin.monitor();
    let commands = 0;
    const byName = new Map<string, number>();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source.includes('lua')) return;
      commands++;
      const name = isScriptCall(args) ? 'script call' : String(args[0]).toLowerCase();
      byName.set(name, (byName.get(name) ?? 0) + 1);
    });
    await cache.apply([
      mutation.set('guild', { id: guildId, name: 'big', icon: null, member_count: MEMBERS } as never),
      mutation.replaceForGuild('member', guildId, members as never),
    ]);
    // Let MONITOR deliver the last lines (it streams after the replies).
    await admin.ping();
    await new Promise((r) => setTimeout(r, 200));
    monitor.disconnect();

    // One script for the guild, one per user bucket (1024), a couple of index writes — independent of the member count.
    expect(commands).toBeLessThanOrEqual(1024 + 16);
    expect(byName.get('script call') ?? 0).toBeLessThanOrEqual(1024 + 1);
    // 'ping': this test's own, sent above to flush MONITOR's stream.
    expect([...byName.keys()].filter((n) => !['script call', 'script', 'sadd', 'hset', 'hmget', 'ping'].includes(n))).toEqual([]);

    expect(await cache.iterMembersForGuild(guildId).len()).toBe(MEMBERS);
    const sample = members[MEMBERS - 7]!;
    expect(await cache.getMember(guildId, (sample.user as { id: string }).id)).toEqual(sample);

    const after = usedMemory(await admin.info('memory'));
    const bytesPerMember = (after - before) / MEMBERS;
    const naive = members.slice(0, 1000).reduce((n, m) => n + JSON.stringify(m).length, 0) / 1000;
    console.log(`layout bytes/member (member + user + indexes, used_memory delta): ${bytesPerMember.toFixed(1)}; raw JSON of a member: ${naive.toFixed(0)} B`);
    // Not a benchmark: a guard against a layout regression (e.g. buckets falling out of listpack encoding).
    expect(bytesPerMember).toBeLessThan(naive / 2);

    // Iteration joins users and yields everything once.
    let seen = 0;
    for await (const m of cache.iterMembersForGuild(guildId)) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- checks what came back from Redis, not what the type promises
      if (m.user.username === undefined) throw new Error('member without its user');
      seen++;
    }
    expect(seen).toBe(MEMBERS);
    await cache.close();
    admin.disconnect();
  }, 120_000);
});
