/**
 * The Redis the benchmark measures: a private `redis-server` it starts (and
 * may FLUSHDB between phases), or the one in REDIS_URL (then every phase
 * writes under its own unique prefix, which is deleted afterwards, and memory
 * is measured with MEMORY USAGE over the prefix's keys instead of used_memory).
 */
import { Redis } from 'ioredis';
import { killAllSync, startRedisServer, type RedisServer } from '@sake/redis-server';

/** A failure to set the run up (bad arguments, no Redis): reported in one line, without a stack. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

/** One call the server's SLOWLOG recorded. */
export interface SlowCall {
  /** How long it ran (ms of Redis time). */
  readonly ms: number;
  /** The command and its arguments as logged (long ones cut by Redis). */
  readonly args: readonly string[];
}

/** The benchmark's own connections: fail fast, never reconnect (a run that lost its Redis is over). */
const CLIENT_OPTIONS = { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null } as const;

/** A connection to the measured Redis plus what the benchmark needs to manage it. */
export class BenchRedis {
  /** `redis://…` of the measured server. */
  readonly url: string;
  /** Whether the server is the benchmark's own (FLUSHDB allowed) rather than REDIS_URL's. */
  readonly owned: boolean;
  /** An admin connection (INFO, FLUSHDB, SCAN, MEMORY USAGE). */
  readonly admin: Redis;
  /** The server's version string. */
  readonly version: string;
  readonly #server: RedisServer | undefined;
  readonly #runPrefix: string;
  #prefixes = 0;

  private constructor(url: string, server: RedisServer | undefined, admin: Redis, version: string) {
    this.url = url;
    this.#server = server;
    this.owned = server !== undefined;
    this.admin = admin;
    this.version = version;
    this.#runPrefix = `sakebench:${process.pid.toString(36)}${Date.now().toString(36)}:`;
  }

  /** Start a private server, or connect to `url` when given. */
  static async start(url: string | undefined): Promise<BenchRedis> {
    let server: RedisServer | undefined;
    if (url === undefined) {
      server = await startRedisServer();
      // An interrupted run must not leave a redis-server behind.
      process.once('SIGINT', () => {
        killAllSync();
        process.exit(130);
      });
      process.once('exit', () => killAllSync());
    }
    const target = url ?? server!.url;
    const admin = new Redis(target, CLIENT_OPTIONS);
    // Errors surface through the commands that hit them; without a listener ioredis would also print each one.
    let lastError: unknown;
    admin.on('error', (error: unknown) => {
      lastError = error;
    });
    try {
      await admin.connect();
    } catch (error) {
      admin.disconnect();
      await server?.stop();
      const cause = lastError ?? error;
      const where = url === undefined ? 'the private redis-server' : 'REDIS_URL';
      throw new SetupError(`cannot reach ${where}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    const info = await admin.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return new BenchRedis(target, server, admin, version);
  }

  /** A key prefix no other phase (or other program on REDIS_URL) uses. */
  prefix(name: string): string {
    return `${this.#runPrefix}${name}${++this.#prefixes}:`;
  }

  /** A new ioredis connection to the measured server. */
  connect(): Redis {
    const client = new Redis(this.url, { ...CLIENT_OPTIONS, lazyConnect: false });
    client.on('error', () => {});
    return client;
  }

  /**
   * Empty the store between phases: FLUSHDB on the private server (nothing
   * else lives there); on REDIS_URL, delete the keys under `prefixes` only.
   */
  async reset(prefixes: readonly string[]): Promise<void> {
    if (this.owned) {
      await this.admin.flushdb();
      return;
    }
    for (const prefix of prefixes) await this.#unlinkPrefix(prefix);
  }

  /**
   * Bytes the data under `prefix` occupies: `used_memory` on the private
   * server (call it before and after a load; the caller takes the delta), the
   * sum of `MEMORY USAGE` over the prefix's keys on REDIS_URL (already a delta).
   */
  async memory(prefix: string): Promise<number> {
    if (this.owned) {
      const info = await this.admin.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    }
    let total = 0;
    await this.#scan(prefix, async (keys) => {
      const pipeline = this.admin.pipeline();
      for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      for (const [error, bytes] of (await pipeline.exec()) ?? []) if (!error) total += Number(bytes);
    });
    return total;
  }

  /** CPU seconds the server has used so far (user + system, INFO cpu): take a delta around the work. */
  async cpuSeconds(): Promise<number> {
    const info = await this.admin.info('cpu');
    return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  }

  /** Calls per command so far (INFO commandstats, calls from scripts included): take a delta around the work. */
  async commandCalls(): Promise<Map<string, number>> {
    const info = await this.admin.info('commandstats');
    const out = new Map<string, number>();
    for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(name!, Number(calls));
    return out;
  }

  /** Bytes the server has read from its clients so far (INFO stats): take a delta around the work. */
  async inputBytes(): Promise<number> {
    const info = await this.admin.info('stats');
    return Number(/total_net_input_bytes:(\d+)/.exec(info)?.[1] ?? 0);
  }

  /**
   * Record every call longer than `overUs` µs from now on in the server's SLOWLOG (room for 100 000; its
   * default 128 would keep only the last ones). The function returned reads them, longest first, and puts
   * the server's settings back.
   */
  async recordSlowCalls(overUs: number): Promise<() => Promise<SlowCall[]>> {
    const setting = async (name: string): Promise<string> => String(((await this.admin.config('GET', name)) as string[])[1]);
    const was = { over: await setting('slowlog-log-slower-than'), max: await setting('slowlog-max-len') };
    await this.admin.config('SET', 'slowlog-log-slower-than', String(overUs));
    await this.admin.config('SET', 'slowlog-max-len', '100000');
    await this.admin.slowlog('RESET');
    return async () => {
      const log = (await this.admin.slowlog('GET', 100_000)) as Array<[number, number, number, string[]]>;
      await this.admin.config('SET', 'slowlog-log-slower-than', was.over);
      await this.admin.config('SET', 'slowlog-max-len', was.max);
      return log.map(([, , us, args]) => ({ ms: us / 1000, args })).sort((a, b) => b.ms - a.ms);
    };
  }

  /** Delete every key under `prefix` (SCAN + UNLINK), whichever server this is. */
  async drop(prefix: string): Promise<void> {
    await this.#unlinkPrefix(prefix);
  }

  /** Delete what this run wrote (REDIS_URL) and stop the private server. */
  async stop(): Promise<void> {
    if (!this.owned) await this.#unlinkPrefix(this.#runPrefix);
    this.admin.disconnect();
    await this.#server?.stop();
  }

  async #unlinkPrefix(prefix: string): Promise<void> {
    await this.#scan(prefix, async (keys) => {
      await this.admin.unlink(...keys);
    });
  }

  async #scan(prefix: string, each: (keys: string[]) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await each(keys);
    } while (cursor !== '0');
  }
}
