/** The Redis backend as the CLI opens it, plus the figures `sake stats` shows for it. */
import { BackendError, type Backend } from '@sake/abc';
import { Keys, RedisCache } from '@sake/redis';
import { maskUrl } from './secrets.js';

/** Redis-only figures `sake stats` shows. */
export interface RedisDetails {
  /** Bytes used by every key under the prefix (`MEMORY USAGE` of each key found by SCAN, on every master). */
  memoryUsedBytes(): Promise<number>;
  /** The key layout version recorded under the prefix (`undefined` for an empty store). */
  layoutVersion(): Promise<number | undefined>;
}

/** Options of {@link openRedis}. */
export interface OpenRedisOptions {
  /** Key prefix (default: @sake/redis's, `sake:`). */
  prefix?: string | undefined;
}

/** A minimal view of an ioredis node, enough to scan and size keys. */
interface ScanNode {
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
  pipeline(): { memory(sub: 'USAGE', key: string): unknown; exec(): Promise<[Error | null, unknown][] | null> };
}

/**
 * Connect a {@link RedisCache} to `url` (short timeouts: an operator's command
 * should fail fast on an unreachable Redis, with a `BackendError` that names
 * the address and the reason, see {@link openFailure}).
 */
export async function openRedis(url: string, options: OpenRedisOptions = {}): Promise<{ cache: Backend; prefix: string; details: RedisDetails }> {
  const cache = new RedisCache(url, {
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    connectTimeoutMs: 5000,
    // A CLI process is short-lived: orphan users are the long-running writer's job to sweep.
    sweepIntervalMs: 0,
  });
  const watch = watchConnection(cache.client);
  try {
    await cache.open();
  } catch (error) {
    throw openFailure(url, watch, error);
  } finally {
    watch.stop();
  }
  if (watch.firstError !== undefined) {
    // ioredis reports a failed SELECT (a /db the server does not have) as an event and goes on in database 0.
    await cache.close();
    throw openFailure(url, watch, undefined);
  }
  const keys = new Keys(cache.prefix);
  const client = cache.client;
  // These go through the cache's client directly, outside the cache's own deadlines: give them one.
  const details: RedisDetails = {
    async layoutVersion() {
      const raw = await within(client.hget(keys.layout, 'version'), 'HGET of the layout record');
      return raw === null ? undefined : Number(raw);
    },
    async memoryUsedBytes() {
      const nodes: ScanNode[] = client.isCluster ? (client as unknown as { nodes(role: 'master'): ScanNode[] }).nodes('master') : [client];
      let total = 0;
      for (const node of nodes) total += await within(memoryUnder(node, `${cache.prefix}*`), 'MEMORY USAGE scan');
      return total;
    },
  };
  return { cache, prefix: cache.prefix, details };
}

/** What happened on a client while it was being opened. */
interface ConnectionWatch {
  /** The first `error` event: the cause (later ones follow from it, e.g. "Stream isn't writeable"). */
  firstError: (Error & { code?: string }) | undefined;
  /** Whether the client became ready (connected, authenticated, database selected). */
  ready: boolean;
  /** Stop listening. */
  stop(): void;
}

/** Record the first `error` event of `client` and whether it became ready. */
function watchConnection(client: RedisCache['client']): ConnectionWatch {
  const watch: ConnectionWatch = {
    firstError: undefined,
    ready: false,
    stop() {
      client.off('error', onError);
      client.off('ready', onReady);
    },
  };
  const onError = (error: Error): void => {
    watch.firstError ??= error;
  };
  const onReady = (): void => {
    watch.ready = true;
  };
  client.on('error', onError);
  client.on('ready', onReady);
  return watch;
}

/**
 * Why opening `url` failed, as the operator needs it. RedisCache reports a
 * lost connection as ioredis' "Connection is closed.", which hides the reason
 * ioredis emitted as an event just before (ECONNREFUSED 127.0.0.1:1, NOAUTH,
 * ENOTFOUND…): that event, the address (password masked) and a hint make the
 * message. A failure after the client was ready with no such event (a key
 * layout the store refuses) is `error` itself, already precise.
 */
function openFailure(url: string, watch: ConnectionWatch, error: unknown): unknown {
  if (watch.ready && watch.firstError === undefined) return error;
  const cause = watch.firstError ?? (error as Error);
  const hint = connectHint(cause);
  return new BackendError(`cannot use Redis at ${maskUrl(url)}: ${cause.message}${hint !== undefined ? ` (${hint})` : ''}`, { cause });
}

/** What the operator can check, for the common reasons a connection fails. */
function connectHint(cause: Error & { code?: string }): string | undefined {
  if (cause.code === 'ECONNREFUSED') return 'nothing accepts connections there: is Redis running, on that host and port?';
  if (cause.code === 'ENOTFOUND' || cause.code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (cause.message.startsWith('NOAUTH')) return 'this Redis needs a password: redis://:password@host:port, or redis://user:password@host:port for an ACL user';
  if (cause.message.startsWith('WRONGPASS')) return 'check the user and password of the URL';
  if (/DB index is out of range/.test(cause.message)) return "the /db number of the URL is above this server's `databases` setting";
  if (/timed out/.test(cause.message)) return 'no answer: a firewall dropping packets, or a rediss:// (TLS) URL for a plain Redis port?';
  if (/Protocol error/.test(cause.message)) return 'what answers there does not speak Redis: another service, or TLS (then use rediss://)?';
  return undefined;
}

/** How long a direct command of the CLI may take before it is a `BackendError`. */
const DIRECT_TIMEOUT_MS = 30_000;

/** `promise`, or a `BackendError` after {@link DIRECT_TIMEOUT_MS}. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendError(`redis ${what} timed out after ${DIRECT_TIMEOUT_MS} ms`)), DIRECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sum `MEMORY USAGE` over the keys matching `pattern` on one node, a SCAN window at a time. */
async function memoryUnder(node: ScanNode, pattern: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key);
    for (const [error, bytes] of (await pipeline.exec()) ?? []) {
      if (error === null && typeof bytes === 'number') total += bytes;
    }
  } while (cursor !== '0');
  return total;
}
