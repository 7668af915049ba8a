/** The roles resource. */
import type { RoleEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/** A store of roles. */
export interface RoleCache extends Resource {
  /**
   * Get a cached role.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getRole(roleId: Snowflakeish): Promise<RoleEntity>;
  /**
   * Remove a cached role. Resolves when it is gone; never rejects with `EntryNotFound`.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteRole(roleId: Snowflakeish): Promise<void>;
  /**
   * Iterate over every cached role. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterRoles(): CacheIterator<RoleEntity>;
  /**
   * Remove every cached role. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearRoles(): Promise<void>;
}

/** A store of roles indexed by their parents (sake's RefRoleCache). */
export interface RefRoleCache extends RoleCache {
  /**
   * Iterate over the cached roles of one guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterRolesForGuild(guildId: Snowflakeish): CacheIterator<RoleEntity>;
  /**
   * Remove the cached roles of one guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearRolesForGuild(guildId: Snowflakeish): Promise<void>;
}
