/** The invites resource. */
import type { InviteEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/** A store of invites. */
export interface InviteCache extends Resource {
  /**
   * Get a cached invite.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getInvite(code: string): Promise<InviteEntity>;
  /**
   * Remove a cached invite. Resolves when it is gone; never rejects with `EntryNotFound`.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteInvite(code: string): Promise<void>;
  /**
   * Iterate over every cached invite. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterInvites(): CacheIterator<InviteEntity>;
  /**
   * Remove every cached invite. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearInvites(): Promise<void>;
}

/** A store of invites indexed by their parents (sake's RefInviteCache). */
export interface RefInviteCache extends InviteCache {
  /**
   * Iterate over the cached invites of one guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterInvitesForGuild(guildId: Snowflakeish): CacheIterator<InviteEntity>;
  /**
   * Remove the cached invites of one guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearInvitesForGuild(guildId: Snowflakeish): Promise<void>;
  /**
   * Iterate over the cached invites to one channel. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterInvitesForChannel(channelId: Snowflakeish): CacheIterator<InviteEntity>;
  /**
   * Remove the cached invites to one channel. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearInvitesForChannel(channelId: Snowflakeish): Promise<void>;
}
