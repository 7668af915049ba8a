/** The members resource. */
import type { MemberEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/**
 * A store of members. A member is stored without its user and joined with the
 * user resource on read, so a member always comes back with the current `user`.
 * If that user entry was removed on its own (deleteUser, clearUsers), the member
 * comes back with a `user` that carries only its `id`.
 */
export interface MemberCache extends Resource {
  /**
   * Get a cached member.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<MemberEntity>;
  /**
   * Remove a cached member. Resolves when it is gone; never rejects with `EntryNotFound`.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<void>;
  /**
   * Iterate over every cached member. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterMembers(): CacheIterator<MemberEntity>;
  /**
   * Remove every cached member. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearMembers(): Promise<void>;
}

/** A store of members indexed by their parents (sake's RefMemberCache). */
export interface RefMemberCache extends MemberCache {
  /**
   * Iterate over the cached members of one guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterMembersForGuild(guildId: Snowflakeish): CacheIterator<MemberEntity>;
  /**
   * Remove the cached members of one guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearMembersForGuild(guildId: Snowflakeish): Promise<void>;
  /**
   * Iterate over the cached members of one user (across guilds). No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterMembersForUser(userId: Snowflakeish): CacheIterator<MemberEntity>;
  /**
   * Remove the cached members of one user (across guilds). May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearMembersForUser(userId: Snowflakeish): Promise<void>;
}
