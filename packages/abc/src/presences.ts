/** The presences resource. */
import type { PresenceEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/** A store of presences. */
export interface PresenceCache extends Resource {
  /**
   * Get a cached presence.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getPresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<PresenceEntity>;
  /**
   * Remove a cached presence. Resolves when it is gone; never rejects with `EntryNotFound`.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deletePresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<void>;
  /**
   * Iterate over every cached presence. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterPresences(): CacheIterator<PresenceEntity>;
  /**
   * Remove every cached presence. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearPresences(): Promise<void>;
}

/** A store of presences indexed by their parents (sake's RefPresenceCache). */
export interface RefPresenceCache extends PresenceCache {
  /**
   * Iterate over the cached presences of one guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterPresencesForGuild(guildId: Snowflakeish): CacheIterator<PresenceEntity>;
  /**
   * Remove the cached presences of one guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearPresencesForGuild(guildId: Snowflakeish): Promise<void>;
  /**
   * Iterate over the cached presences of one user (across guilds). No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterPresencesForUser(userId: Snowflakeish): CacheIterator<PresenceEntity>;
  /**
   * Remove the cached presences of one user (across guilds). May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearPresencesForUser(userId: Snowflakeish): Promise<void>;
}
