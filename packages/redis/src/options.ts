/** What `new RedisCache(…)` accepts. */
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** Somewhere to report what the cache does; messages never contain credentials. */
export interface RedisCacheLogger {
  /** Something went wrong but the cache carries on (a failed background sweep, …). */
  warn(message: string): void;
  /** Routine information (connected, …). */
  info?(message: string): void;
}

/** Connect to a Redis Cluster through these startup nodes. */
export interface ClusterConnection {
  /** Startup nodes (`{ host, port }`, `"host:port"` or a port). */
  clusterNodes: ClusterNode[];
  /** ioredis Cluster options (credentials and TLS go in `redisOptions`). */
  clusterOptions?: ClusterOptions;
}

/**
 * Where the cache stores its data: a `redis://`/`rediss://` URL (credentials
 * in the URL are passed to ioredis and never logged), ioredis options (single
 * node or Sentinel), cluster startup nodes, or an existing ioredis client
 * (which `close()` then leaves connected).
 */
export type RedisTarget = string | RedisOptions | ClusterConnection | Redis | Cluster;

/** Options of {@link RedisCache}. */
export interface RedisCacheOptions {
  /** Prefix of every key the cache reads or writes (default `sake:`). */
  prefix?: string;
  /** Deadline of each command and of each public call, in ms (default 5000). */
  commandTimeoutMs?: number;
  /** Deadline for connecting in `open()`, in ms (default 10 000). */
  connectTimeoutMs?: number;
  /** How long a user no member, presence or message refers to is kept, in ms (default 1 hour; 0 keeps them forever). */
  userTtlMs?: number;
  /** How often expired orphan users are swept, in ms (default 60 000; 0 disables the background sweep). */
  sweepIntervalMs?: number;
  /** Number of user buckets, used only when the store is created (default 1024: ~128k users per listpack-sized bucket set). */
  userBuckets?: number;
  /**
   * Run the Lua scripts as one Redis function library (`FUNCTION LOAD` in `open()`, an `FCALL` per
   * call) when the server can hold it: a single node or Sentinel with Redis ≥ 7 whose ACL allows
   * `FUNCTION`. A script's setup then runs once per server instead of on every call (a one-event
   * batch costs Redis about half). `false`, or a server that can't, runs them with `EVALSHA`
   * (default `true`; a cluster always uses `EVALSHA`). The library is named `sake_<hash>`; a new
   * version of sake loads its own beside it.
   */
  functions?: boolean;
  /** Where to report warnings (default: none). */
  logger?: RedisCacheLogger;
}

/** Options with their defaults filled in. */
export type ResolvedOptions = Required<Omit<RedisCacheOptions, 'logger'>> & Pick<RedisCacheOptions, 'logger'>;

/** Fill in defaults and validate. */
export function resolveOptions(options: RedisCacheOptions = {}): ResolvedOptions {
  const out: ResolvedOptions = {
    prefix: options.prefix ?? 'sake:',
    commandTimeoutMs: options.commandTimeoutMs ?? 5000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    userTtlMs: options.userTtlMs ?? 3_600_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    userBuckets: options.userBuckets ?? 1024,
    functions: options.functions ?? true,
    logger: options.logger,
  };
  if (typeof out.prefix !== 'string' || out.prefix.length === 0 || /[*?[\]\\{}]/.test(out.prefix)) {
    throw new TypeError('prefix must be a non-empty string without glob characters or braces');
  }
  for (const name of ['commandTimeoutMs', 'connectTimeoutMs'] as const) {
    if (!(Number.isFinite(out[name]) && out[name] > 0)) throw new TypeError(`${name} must be a positive number`);
  }
  for (const name of ['userTtlMs', 'sweepIntervalMs'] as const) {
    if (!(Number.isFinite(out[name]) && out[name] >= 0)) throw new TypeError(`${name} must be a non-negative number`);
  }
  if (typeof out.functions !== 'boolean') throw new TypeError('functions must be a boolean');
  if (!(Number.isInteger(out.userBuckets) && out.userBuckets >= 1 && out.userBuckets <= 1 << 20)) {
    throw new TypeError('userBuckets must be an integer between 1 and 1048576');
  }
  return out;
}
