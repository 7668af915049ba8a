/**
 * The ioredis client a cache talks through: creation with safe defaults (no
 * offline queue, command timeouts, auto-pipelining), the open/closed state,
 * deadlines, and the mapping of every failure to a sake error.
 */
import { BackendError, CacheError, ClosedClient, InvalidDataFound } from '@sake/abc';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ClusterConnection, RedisTarget, ResolvedOptions } from './options.js';
import { ReadBatcher } from './read-batcher.js';
import { functionScripts, loadLibrary } from './scripts/functions.js';
import { defineScripts, type ScriptCommands } from './scripts/index.js';

/** Either kind of ioredis client. */
export type Client = Redis | Cluster;

function isClient(value: unknown): value is Client {
  if (value instanceof Redis || value instanceof Cluster) return true;
  // Another copy of ioredis: recognise it by shape.
  const v = value as { defineCommand?: unknown; status?: unknown; pipeline?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.defineCommand === 'function' && typeof v.pipeline === 'function' && typeof v.status === 'string';
}

function isClusterTarget(value: unknown): value is ClusterConnection {
  return typeof value === 'object' && value !== null && Array.isArray((value as ClusterConnection).clusterNodes);
}

/** Create (or adopt) the client for `target`. */
export function createClient(target: RedisTarget, options: ResolvedOptions): { client: Client; owned: boolean } {
  if (isClient(target)) return { client: target, owned: false };
  const safe: RedisOptions = {
    lazyConnect: true,
    // ioredis' defaults queue commands forever while disconnected: fail fast instead.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // No ioredis commandTimeout: it arms a timer per command (a tenth of the mixed stream's CPU).
    // Every call of the cache runs under one shared watchdog instead (Deadlines, below).
    connectTimeout: options.connectTimeoutMs,
    // Measured (README, "Performance levers"): ioredis' auto-pipelining defers every command to
    // a setImmediate hop (~30 µs per sequential read). Reads are batched per tick by
    // read-batcher.ts instead; a cluster client keeps auto-pipelining (it groups per node).
    enableAutoPipelining: false,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 2000),
  };
  if (isClusterTarget(target)) {
    const given: ClusterOptions = target.clusterOptions ?? {};
    const client = new Cluster(target.clusterNodes, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      lazyConnect: true,
      maxRedirections: 16,
      clusterRetryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
      ...given,
      redisOptions: { ...safe, ...given.redisOptions, lazyConnect: undefined, enableAutoPipelining: undefined },
    });
    return { client, owned: true };
  }
  const client = typeof target === 'string' ? new Redis(target, safe) : new Redis({ ...safe, ...target, lazyConnect: true });
  return { client, owned: true };
}

/**
 * Wrap any failure as a sake error; sake errors and TypeErrors pass through unchanged.
 * A `WRONGTYPE` reply on a call that names its `key` means another program put a value of another
 * Redis type there: that is unreadable data under the key (`InvalidDataFound`), not a broken backend.
 */
export function toCacheError(err: unknown, what: string, key?: string): Error {
  if (err instanceof CacheError || err instanceof TypeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // A script that met unreadable bytes (scripts/includes/stored-record.lua) names their key.
  const data = /\bSAKEDATA (\S+): (.*)$/.exec(message);
  if (data) return new InvalidDataFound(data[1]!, data[2]!, { cause: err });
  if (key !== undefined && /\bWRONGTYPE\b/.test(message)) {
    return new InvalidDataFound(key, `a value of the wrong Redis type (${what}: ${message})`, { cause: err });
  }
  return new BackendError(`redis ${what} failed: ${message}`, { cause: err });
}

/** One cache's connection and its state. */
export class Connection {
  readonly client: Client;
  #scripts: ScriptCommands;
  /** Whether the scripts run as `FCALL`s of the function library ({@link useFunctions}). */
  #functions = false;
  /** Point reads, batched per tick (see read-batcher.ts). */
  readonly reads: ReadBatcher;
  readonly owned: boolean;
  readonly timeoutMs: number;
  #open = false;

  constructor(client: Client, owned: boolean, timeoutMs: number) {
    this.client = client;
    this.owned = owned;
    this.timeoutMs = timeoutMs;
    this.#deadlines = new Deadlines(timeoutMs);
    this.#scripts = defineScripts(client);
    this.isCluster = client instanceof Cluster || (client as { isCluster?: boolean }).isCluster === true;
    this.reads = new ReadBatcher(client, this.isCluster, () => this.#scripts);
    const reads = this.reads;
    // The same client API, each command sent through the per-tick batcher: a write wave of many
    // small commands is one socket write instead of one per command (those writes were a quarter
    // of the mixed-stream profile with auto-pipelining off).
    this.batched = new Proxy({} as Client & ScriptCommands, {
      get: (_target, name) => (typeof name === 'string' ? (...args: Array<string | Buffer | number>) => reads.call(name, args) : undefined),
    });
  }

  /** The scripts: `EVALSHA`s of the commands `defineScripts` registers, or `FCALL`s once {@link useFunctions} found a library. */
  get scripts(): ScriptCommands {
    return this.#scripts;
  }

  /**
   * Run the scripts as `FCALL`s of the function library (scripts/functions.ts) when the server can
   * hold it: a single node with Redis ≥ 7 whose ACL allows `FUNCTION`. Loads it and resolves `true`,
   * or resolves `false` and the scripts stay `EVALSHA`s. Called once per open.
   */
  async useFunctions(): Promise<boolean> {
    if (this.isCluster) return false;
    const client = this.client as Redis;
    if (!(await loadLibrary(client))) return false;
    this.#scripts = functionScripts(client);
    this.#functions = true;
    return true;
  }

  /**
   * After a reconnect: load the library again before the commands that follow (one connection runs
   * them in order), as a server that restarted without persistence lost it. A failure is left to the
   * calls, which load it again when the server answers that their function is missing.
   */
  reloadFunctions(): void {
    if (this.#functions) loadLibrary(this.client as Redis).catch(() => {});
  }

  /** The client's commands and scripts, batched per tick (see read-batcher.ts). */
  readonly batched: Client & ScriptCommands;

  /** Whether the cache is open. */
  get isOpen(): boolean {
    return this.#open;
  }

  /** Whether the client is a Redis Cluster client (fixed: read on every point read). */
  readonly isCluster: boolean;

  /** Connect (owned clients) and mark open. */
  async open(connectTimeoutMs: number): Promise<void> {
    if (this.owned && (this.client.status === 'wait' || this.client.status === 'end' || this.client.status === 'close')) {
      try {
        await withDeadline(this.client.connect(), connectTimeoutMs, 'connect');
      } catch (err) {
        this.client.disconnect();
        throw toCacheError(err, 'connect');
      }
    }
    this.#open = true;
  }

  /** Mark closed and disconnect an owned client. */
  async close(): Promise<void> {
    this.#open = false;
    if (!this.owned) return;
    if (this.client.status === 'end') return;
    // quit() resolves before the client reaches 'end'; a re-open must wait for that.
    const ended = new Promise<void>((resolve) => this.client.once('end', () => resolve()));
    try {
      await withDeadline(this.client.quit(), this.timeoutMs, 'quit');
      await withDeadline(ended, this.timeoutMs, 'quit');
    } catch {
      // Unreachable server: drop the socket instead.
      this.client.disconnect();
    }
  }

  /** Reject with `ClosedClient` unless open. */
  assertOpen(): void {
    if (!this.#open) throw new ClosedClient();
  }

  /**
   * Run `fn` on the open connection within the command deadline, mapping failures to sake errors.
   * A client the cache created has ioredis' `commandTimeout` on every command, so no second timer
   * is armed per call (a timer and a `Promise.race` per read was a measurable share of a point
   * read); an adopted client keeps its own settings, so its calls get a deadline here.
   * `key` names what the call reads, so a `WRONGTYPE` reply becomes `InvalidDataFound` naming it.
   */
  run<T>(what: string, fn: (client: Client) => Promise<T>, key?: string): Promise<T> {
    let pending: Promise<T>;
    try {
      this.assertOpen();
      // Through the per-tick batcher: the many reads one apply issues at once (pre-reads of merge
      // targets and their users) leave as one pipeline, not one socket write each.
      pending = fn(this.batched);
    } catch (err) {
      return Promise.reject(err instanceof ClosedClient ? err : toCacheError(err, what, key));
    }
    return this.#deadlines.watch(pending, what, key);
  }

  /** A deadline for a call that settles through callbacks: see {@link Deadlines.arm}. */
  deadline(what: string, reject: (err: unknown) => void): () => void {
    return this.#deadlines.arm(what, reject);
  }

  readonly #deadlines: Deadlines;
}

/** A call waiting for Redis, with when it times out. */
interface Watched {
  readonly at: number;
  readonly what: string;
  readonly reject: (err: unknown) => void;
}

/**
 * The deadlines of every pending call of one connection, checked by one
 * interval timer (running only while calls are pending) instead of a timer
 * per command. A call is rejected with `BackendError` at most a tenth of the
 * timeout (capped at 250 ms) after its deadline; its reply, if one still
 * comes, is ignored.
 */
export class Deadlines {
  readonly #ms: number;
  readonly #tickMs: number;
  readonly #pending = new Set<Watched>();
  #timer: NodeJS.Timeout | undefined;

  /** @param ms - the deadline of each call */
  constructor(ms: number) {
    this.#ms = ms;
    this.#tickMs = Math.max(5, Math.min(250, Math.ceil(ms / 10)));
  }

  /** `promise`, rejected with `BackendError` once it is `ms` old; its own errors become sake errors (see {@link toCacheError}). */
  watch<T>(promise: Promise<T>, what: string, key?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const disarm = this.arm(what, reject);
      promise.then(
        (value) => {
          disarm();
          resolve(value);
        },
        (err: unknown) => {
          disarm();
          reject(toCacheError(err, what, key));
        },
      );
    });
  }

  /**
   * Call `reject` with a `BackendError` once `ms` from now, unless the returned disarm is called
   * first: a deadline for work that settles through callbacks (the member loader's reads) rather
   * than through one promise.
   */
  arm(what: string, reject: (err: unknown) => void): () => void {
    const entry: Watched = { at: Date.now() + this.#ms, what, reject };
    this.#pending.add(entry);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#check(), this.#tickMs);
      this.#timer.unref();
    }
    return () => {
      this.#pending.delete(entry);
    };
  }

  #check(): void {
    const now = Date.now();
    for (const entry of this.#pending) {
      if (entry.at > now) continue;
      this.#pending.delete(entry);
      entry.reject(new BackendError(`redis ${entry.what} timed out after ${this.#ms} ms`));
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** Reject with a `BackendError` when `promise` takes longer than `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendError(`redis ${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
