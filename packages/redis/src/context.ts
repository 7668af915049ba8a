/** What every reader and the writer share: the connection, the key layout and store facts. */
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
  /** Default orphan-user TTL in ms (0 = never). */
  readonly userTtlMs: number;
  /** The reads that depend on the topology, chosen once when the cache opens (readers/). */
  readonly reader: TopologyReader;
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

/** A readable locator for an entry inside a hash: `key[id]`. */
export function fieldLocator(key: string, id: string): string {
  return `${key}[${id}]`;
}

/** How many entries one SCAN-family call asks for. */
export const SCAN_COUNT = 512;
