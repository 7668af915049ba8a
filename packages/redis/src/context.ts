/** What every reader and the writer share: the connection, the key layout and store facts. */
import type { Connection } from './connection.js';
import type { Keys } from './keys.js';
import type { MemberLoader } from './resources/member-loader.js';
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
  /** Coalesces member point reads per tick (single node). */
  readonly memberLoader: MemberLoader;
  /** This process's copies of the guilds' role dictionaries (member records refer to roles by index). */
  readonly roles: RoleDictionaries;
  /** How the per-user guild lists refer to guilds, with this process's copy of the guild dictionary. */
  readonly guildRefs: GuildRefs;
}

/** A readable locator for an entry inside a hash: `key[id]`. */
export function fieldLocator(key: string, id: string): string {
  return `${key}[${id}]`;
}

/** How many entries one SCAN-family call asks for. */
export const SCAN_COUNT = 512;
