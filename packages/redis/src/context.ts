/** What every reader and writer share: the connection, the key layout, store facts, and the topology's reader and writer. */
import type { MemberEntity, UserEntity } from '@sake/abc';
import type { Connection } from './connection.js';
import type { Keys } from './keys.js';
import type { RoleDictionaries } from './resources/roles.js';
import type { GuildRefs } from './resources/guild-refs.js';

/** Shared state of one open cache. */
export interface Ctx {
  readonly conn: Connection;
  readonly keys: Keys;
  /** User bucket count of the store (from the layout record). */
  readonly userBuckets: number;
  /**
   * Last seen member bucket count per guild. Only a hint: a read that misses
   * re-reads the real count before answering "not found", and a guild is only
   * re-bucketed by a replace that rewrites every member bucket.
   */
  readonly memberBucketHint: Map<string, number>;
  /**
   * Guilds whose role removals the op stream refused for their member count (stream/coverage.ts
   * STREAM_STRIP_MEMBERS): later ones go to the plan at once, without the refused call first.
   */
  readonly largeGuilds: Set<string>;
  /** Default orphan-user TTL in ms (0 = never). */
  readonly userTtlMs: number;
  /** The reads that depend on the topology, chosen once when the cache opens (readers/). */
  readonly reader: TopologyReader;
  /** The writes that depend on the topology, chosen once when the cache opens (writers/). */
  readonly writer: TopologyWriter;
  /** This process's copies of the guilds' role dictionaries (member records refer to roles by index). */
  readonly roles: RoleDictionaries;
  /** How the per-user guild lists refer to guilds, with this process's copy of the guild dictionary. */
  readonly guildRefs: GuildRefs;
}

/**
 * The reads whose commands depend on the topology: on a single node one command (often a script)
 * can read keys of many slots; on a cluster each slot is read by commands of its own. Everything
 * else reads the same way on both. Implementations: readers/single-node.ts, readers/cluster.ts.
 */
export interface TopologyReader {
  /** `getMember`: the member joined with its user, or `EntryNotFound` naming it. */
  getMember(ctx: Ctx, guildId: string, userId: string): Promise<MemberEntity>;
  /** The member joined with its user from the bucket it has with `buckets` member buckets, or null (no re-read of the count). */
  memberAt(ctx: Ctx, guildId: string, userId: string, buckets: number): Promise<MemberEntity | null>;
  /** The users joined to members, by id (null where absent); no orphan-deadline check (a member refers to its user). */
  memberUsers(ctx: Ctx, userIds: readonly string[]): Promise<Array<UserEntity | null>>;
  /** The members of buckets `from` to `to` (exclusive) of a guild, joined with their users. */
  memberWindow(ctx: Ctx, guildId: string, from: number, to: number): Promise<MemberEntity[]>;
  /** The values of string keys (null where absent), in order; a key of another type is an error naming it. */
  values(ctx: Ctx, keys: readonly string[]): Promise<Array<Buffer | null>>;
  /** The values of expiring string keys with the ms each has left (`PTTL`: -1 none, -2 absent), in order; a key of another type is an error naming it. */
  expiring(ctx: Ctx, keys: readonly string[]): Promise<Array<readonly [bytes: Buffer | null, pttl: number]>>;
  /**
   * Where a channel, role or emoji is, with its stored record: the guild's id and the record's bytes
   * (null when the guild's hash lacks it), or null when no locator entry places it; a key of another
   * type is an error naming it.
   */
  located(ctx: Ctx, resource: 'channel' | 'role' | 'emoji', id: string): Promise<readonly [guildId: string, bytes: Buffer | null] | null>;
  /** The live ids of expiring indexes (scored after now), per index in order; a key of another type is an error naming it. */
  liveIds(ctx: Ctx, indexKeys: readonly string[]): Promise<string[][]>;
}

/** One Redis command of a write wave, issued when the wave starts. */
export type Command = (ctx: Ctx) => Promise<unknown>;

/** Arguments of a script call. */
export type Arg = string | Buffer;

/** A message or invite value-key write: `S` sets it and answers the value it replaced, `W` sets it, `D` deletes it. */
export interface ValueWrite {
  readonly op: 'S' | 'W' | 'D';
  readonly key: string;
  /** The value (`S`, `W`). */
  readonly bytes?: Buffer;
  /** Its expiry (epoch ms; undefined: none). */
  readonly at?: number;
  /** `S`: told, when the write is issued, of the value it replaces (null: none, or the call failed). */
  readonly replaced?: (previous: Promise<Buffer | null>) => void;
}

/** Adds to (or removals from) one expiring message/invite index that go out together (apply/index-writes.ts). */
export interface IndexGroup {
  /** `A`: adds, `R`: removals. */
  readonly op: 'A' | 'R';
  readonly key: string;
  /** The channel limit the adds evict with. */
  readonly limit: number | undefined;
  /** The channel whose index `key` is, for adds under a limit (a single node's eviction block names it). */
  readonly channelId: string | undefined;
  /** The ids in the group (a later opposite op on one of them starts a new group). */
  readonly ids: Set<string>;
  /** (score, id) pairs for adds, ids for removals. */
  readonly args: string[];
}

/** A channel index whose limit may evict, with the ids it evicted (from wave 1). */
export interface Eviction {
  readonly index: string;
  readonly evicted: Promise<string[]>;
}

/** Where a batch's grouped writes of one kind go in wave 1 (made per batch by the {@link TopologyWriter}). */
export interface WriteQueue<T> {
  /** Queue one write after those before it. */
  push(write: T): void;
  /** Wave 1 has gone out: later writes (an eviction's deletes) start new commands. */
  close(): void;
}

/**
 * The writes whose commands depend on the topology: on a single node one script call writes keys of
 * many slots (a batch's value keys, its index writes, a group of user buckets; a guild op may read
 * a member's user); on a cluster each slot is written by commands of its own. Everything else
 * writes the same way on both. Implementations: writers/single-node.ts, writers/cluster.ts.
 */
export interface TopologyWriter {
  /** Whether a guild op may also read keys of other slots (the member's user, for its old value). */
  readonly crossSlot: boolean;
  /** Run `sakeUserOps` over user buckets (`[bucket, args]`); resolves with the users its sweeps deleted. */
  userOps(ctx: Ctx, work: ReadonlyArray<readonly [bucket: number, args: readonly Arg[]]>, now: number): Promise<number>;
  /** A batch's value-key writes, joining `wave1` in batch order. */
  values(ctx: Ctx, wave1: Command[]): WriteQueue<ValueWrite>;
  /**
   * A batch's index groups, joining `wave1` in batch order; limited add groups report what they
   * evict into `evictions`. `kept(group)`: the ids the batch adds to a limited group's index, which
   * a single node's call must not delete with what it evicts.
   */
  indexes(ctx: Ctx, wave1: Command[], now: string, evictions: Eviction[], kept: (group: IndexGroup) => readonly string[]): WriteQueue<IndexGroup>;
}

/** A readable locator for an entry inside a hash: `key[id]`. */
export function fieldLocator(key: string, id: string): string {
  return `${key}[${id}]`;
}

/** How many entries one SCAN-family call asks for. */
export const SCAN_COUNT = 512;
