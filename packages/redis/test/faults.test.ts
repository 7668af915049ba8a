/** A private redis-server that goes away, hangs, comes back; credentials that never leak. */
import { BackendError, ClosedClient, mutation } from '@sake/abc';
import { RedisCache, type RedisCacheLogger } from '@sake/redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../../test/setup/redis-server.js';
import { everything } from './fixtures.js';
import { uniquePrefix } from './helpers.js';

const TIMEOUT = 800;
const servers: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(args: string[] = [], persist = false): Promise<RedisServer> {
  const s = await startRedisServer({ args, persist });
  servers.push(s);
  return s;
}

/** Resolve with the error `fn` rejects with, and how long that took; `what` names the call when it resolves instead. */
async function failure(fn: () => Promise<unknown>, what = 'the call'): Promise<{ err: unknown; ms: number }> {
  const start = Date.now();
  try {
    await fn();
  } catch (err) {
    return { err, ms: Date.now() - start };
  }
  throw new Error(`expected ${what} to reject`);
}

async function eventually<T>(fn: () => Promise<T>, tries = 100): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('faults', () => {
  it('a stopped server turns reads and writes into BackendError within the timeout, and the cache recovers after a restart', async () => {
    const s = await server([], true);
    const cache = new RedisCache(s.url, { prefix: uniquePrefix('f'), commandTimeoutMs: TIMEOUT, connectTimeoutMs: TIMEOUT });
    await cache.open();
    const data = everything();
    await cache.apply(data.batch);
    await s.halt();
    for (const call of [() => cache.getMember(data.guildId, data.userId), () => cache.apply(data.batch), () => cache.iterMembers().toArray()]) {
      const { err, ms } = await failure(call);
      expect(err).toBeInstanceOf(BackendError);
      expect(err).not.toBeInstanceOf(ClosedClient);
      // "Within the timeout": the call fails instead of waiting for the server (generous bound, not a benchmark).
      expect(ms).toBeLessThan(TIMEOUT + 1500);
    }
    await s.restart();
    // ioredis reconnects in the background; data saved on shutdown is back.
    const back = await eventually(() => cache.getMember(data.guildId, data.userId));
    expect(back.user.id).toBe(data.userId);
    await cache.apply([mutation.delete('member', { guildId: data.guildId, userId: data.userId })]);
    await expect(cache.getMember(data.guildId, data.userId)).rejects.toThrow(/not cached/);
    await cache.close();
  });

  it('a hung server (CLIENT PAUSE) turns calls into BackendError within commandTimeoutMs', async () => {
    const s = await server();
    const cache = new RedisCache(s.url, { prefix: uniquePrefix('h'), commandTimeoutMs: TIMEOUT });
    await cache.open();
    const data = everything();
    await cache.apply(data.batch);
    // Warm: a read that knows the guild's bucket count takes the point-read fast path.
    await cache.getMember(data.guildId, data.userId);
    const admin = new Redis(s.url);
    await admin.call('CLIENT', 'PAUSE', String(TIMEOUT * 8), 'ALL');
    // Every kind of call: a plain read, the point-read fast path (member loader), coalesced point
    // reads, an iteration window and a write.
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['getGuild', () => cache.getGuild(data.guildId)],
      ['getMember', () => cache.getMember(data.guildId, data.userId)],
      ['concurrent getMember', () => Promise.all([cache.getMember(data.guildId, data.userId), cache.getMember(data.guildId, data.userId)])],
      ['iterMembers', () => cache.iterMembers().toArray()],
      ['apply', () => cache.apply(data.batch)],
    ];
    for (const [name, call] of calls) {
      const { err, ms } = await failure(call, name);
      expect(err, name).toBeInstanceOf(BackendError);
      expect((err as Error).message, name).toMatch(/timed out/i);
      expect(ms, name).toBeLessThan(TIMEOUT + 1500);
    }
    await expect(eventually(() => cache.getGuild(data.guildId))).resolves.toMatchObject({ id: data.guildId });
    admin.disconnect();
    await cache.close();
  });

  it('an unreachable server fails open() with BackendError within connectTimeoutMs', async () => {
    const s = await server();
    await s.halt();
    const cache = new RedisCache(s.url, { prefix: uniquePrefix('u'), connectTimeoutMs: TIMEOUT, commandTimeoutMs: TIMEOUT });
    const { err, ms } = await failure(() => cache.open());
    expect(err).toBeInstanceOf(BackendError);
    expect(ms).toBeLessThan(TIMEOUT + 1500);
    expect(cache.isAlive).toBe(false);
    await expect(cache.getGuild('1')).rejects.toBeInstanceOf(ClosedClient);
  });

  it('passwords work through the URL and never appear in errors or logs', async () => {
    const password = 'pw-S3cret-do-not-print';
    const s = await server();
    const admin = new Redis(s.url);
    await admin.config('SET', 'requirepass', password);
    admin.disconnect();
    const lines: string[] = [];
    const logger: RedisCacheLogger = { warn: (m) => lines.push(m), info: (m) => lines.push(m) };
    const url = new URL(s.url);
    url.password = password;
    const good = new RedisCache(url.toString(), { prefix: uniquePrefix('pw'), logger });
    await good.open();
    const data = everything();
    await good.apply(data.batch);
    await expect(good.getGuild(data.guildId)).resolves.toMatchObject({ id: data.guildId });
    await good.close();

    url.password = `${password}-wrong`;
    const bad = new RedisCache(url.toString(), { prefix: uniquePrefix('pw'), logger, connectTimeoutMs: TIMEOUT });
    const { err } = await failure(() => bad.open());
    expect(err).toBeInstanceOf(BackendError);
    const seen = [String(err), (err as Error).stack ?? '', String((err as Error).cause), ...lines].join('\n');
    expect(seen).not.toContain(password);
    const anonymous = new RedisCache(s.url, { prefix: uniquePrefix('pw'), connectTimeoutMs: TIMEOUT });
    await expect(anonymous.open()).rejects.toBeInstanceOf(BackendError);
  });
});
