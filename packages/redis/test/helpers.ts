/** Shared helpers of the @sake/redis tests. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { Redis } from 'ioredis';
import { RedisCache, type RedisCacheOptions } from '@sake/redis';

/** A prefix no other test uses, so tests can share one server. */
export function uniquePrefix(tag = 't'): string {
  return `sake-${tag}-${randomBytes(4).toString('hex')}:`;
}

/** The shared single-node URL from the global setup. */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** The shared cluster's nodes as ioredis startup nodes. */
export function clusterNodes(): Array<{ host: string; port: number }> {
  return inject('redisClusterNodes').map((n) => {
    const [host, port] = n.split(':');
    return { host: host!, port: Number(port) };
  });
}

/** A single-node cache under a fresh prefix (not opened). */
export function singleCache(options: RedisCacheOptions = {}): RedisCache {
  return new RedisCache(redisUrl(), { prefix: uniquePrefix(), ...options });
}

/** A cluster cache under a fresh prefix (not opened). */
export function clusterCache(options: RedisCacheOptions = {}): RedisCache {
  return new RedisCache({ clusterNodes: clusterNodes() }, { prefix: uniquePrefix('c'), ...options });
}

/** Both topologies a behaviour is checked on: a name for the describe block and a cache factory. */
export const TOPOLOGIES = [
  ['single node', singleCache],
  ['cluster', clusterCache],
] as const;

let next = 100_000_000_000_000_000n;
/** A fresh snowflake string. */
export function sf(): string {
  next += 4_194_304n + BigInt(Math.floor(Math.random() * 1000));
  return next.toString();
}

/** A realistic user payload. */
export function user(id = sf(), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    username: `user${id.slice(-5)}`,
    discriminator: '0',
    global_name: `User ${id.slice(-4)}`,
    avatar: randomBytes(16).toString('hex'),
    public_flags: 64,
    ...extra,
  };
}

/** A realistic member payload (with its user). */
export function member(guildId: string, u = user(), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    guild_id: guildId,
    user: u,
    nick: null,
    avatar: null,
    roles: [sf(), sf()],
    joined_at: '2021-05-04T12:34:56.789000+00:00',
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    ...extra,
  };
}

/** The 8 big-endian bytes of a snowflake: a user id as a bucket's field name. */
export function id8(id: string): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(id));
  return b;
}

/** The bucket of an id among `n` (keys.ts' formula: the last 9 decimal digits mod n). */
export function bucketOf(id: string, n: number): number {
  return Number(id.slice(-9)) % n;
}

/** `cache`, opened. */
export async function opened<C extends { open(): Promise<void> }>(cache: C): Promise<C> {
  await cache.open();
  return cache;
}

/** Whether a command (its arguments, the name first) calls one of the cache's scripts: `EVALSHA`/`EVAL`, or `FCALL` of its function library. */
export function isScriptCall(args: readonly string[]): boolean {
  return /^(evalsha|eval|fcall)$/i.test(String(args[0]));
}

/**
 * The top-level commands (not the ones Lua runs) that name `prefix` while `run` runs, each as its
 * arguments (the command name first), seen through MONITOR on `admin`'s server.
 */
export async function commandsDuring(admin: Redis, prefix: string, run: () => Promise<unknown>): Promise<string[][]> {
  const monitor = await admin.monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!source.includes('lua') && args.some((a) => String(a).includes(prefix))) seen.push(args.map(String));
  });
  await run();
  // MONITOR streams after the replies: a round trip on another connection lets it catch up.
  await admin.ping();
  await new Promise((r) => setTimeout(r, 100));
  monitor.disconnect();
  return seen;
}

/** What {@link openedForBlock} gives a describe block (set once its beforeAll has run). */
export interface BlockCache {
  /** The cache, open for the block's tests. */
  cache: RedisCache;
  /** A plain connection to the same server (MONITOR, raw writes). */
  admin: Redis;
  /** The cache's prefix. */
  readonly prefix: string;
}

/** A single-node cache under a fresh prefix, opened before a describe block's tests and closed after, with an admin connection beside it. */
export function openedForBlock(tag: string): BlockCache {
  const block = { prefix: uniquePrefix(tag) } as BlockCache;
  beforeAll(async () => {
    block.admin = new Redis(redisUrl());
    block.cache = new RedisCache(redisUrl(), { prefix: block.prefix, sweepIntervalMs: 0 });
    await block.cache.open();
  });
  afterAll(async () => {
    await block.cache.close();
    block.admin.disconnect();
  });
  return block;
}
