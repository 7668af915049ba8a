/** The listener's options and counters. */
import type { Snowflakeish } from '@sake/abc';
import type { ListenerLogger } from './logger.js';

/** Options of `GatewayListener`. */
export interface ListenerOptions {
  /** Where skipped payloads and failures are reported. Default: the console (warn/error). */
  logger?: ListenerLogger;
  /**
   * Flush a batch once it holds this many mutations. Default 5 000: a backend may write a batch's
   * ops for one guild in one atomic call (RedisCache does), and Redis serves nobody else meanwhile —
   * a 100k-member guild's ingest made calls of ~60–95 ms at 20 000 and ~20–40 ms at 5 000, at the same
   * ingest speed (2 000: ~10 ms, but ~30 % slower; `node bench/dist/long-calls.js --batch 20000,5000,2000`).
   */
  maxBatchMutations?: number;
  /**
   * Most batches being written at once. Default 2. Events that arrive while they are written wait,
   * and the next batch takes the waiting events of every guild not in a batch already (each
   * guild's events stay in order): the cost of one write is shared by every busy guild.
   */
  maxBatchesInFlight?: number;
}

/** Options of `GatewayListener.requestMembers`. */
export interface RequestMembersOptions {
  /** Give up when no chunk was applied for this long (ms). Default 30 000. */
  timeoutMs?: number;
  /** Also fetch presences (needs the GUILD_PRESENCES intent). Default false. */
  presences?: boolean;
  /** Only these users (at most 100). */
  userIds?: readonly Snowflakeish[];
  /** Only members whose username starts with this ('' = everyone). Ignored with `userIds`. */
  query?: string;
  /** At most this many members (0 = no limit). Ignored with `userIds`. */
  limit?: number;
}

/** Counters of what the listener did since it was created. */
export interface ListenerStats {
  /** Dispatches handed to the listener. */
  received: number;
  /** Dispatches whose mutations were durably applied. */
  applied: number;
  /** Dispatches with no cache effect (events the cache does not track, DMs). */
  ignored: number;
  /** Dispatches of guilds the guild filter excludes. */
  filtered: number;
  /** Dispatches skipped because they were malformed. */
  malformed: number;
  /** Dispatches whose write (or a read it needed) failed. */
  failed: number;
  /** Batches written. */
  batches: number;
  /** Mutations written. */
  mutations: number;
  /** Dispatches queued or being applied right now. */
  pending: number;
  /** Times the cache reported its store lost (see `GatewayListener.resync`). */
  storeResets: number;
}

/** A listener option that must be a whole number ≥ 1 (its default when absent). */
export function wholeOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`GatewayListener: ${name} must be a whole number ≥ 1, got ${String(value)}`);
  return value;
}
