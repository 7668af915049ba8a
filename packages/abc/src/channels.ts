/** The guild channels (threads included) resource. */
import type { GuildChannelEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/**
 * A store of guild channels (threads included). Removing a channel (its
 * delete, a clear, or a mutation) also removes its messages, invites and
 * voice states: see the channel cascade in `mutations.ts`.
 */
export interface GuildChannelCache extends Resource {
  /**
   * Get a cached guild channel (or thread).
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getGuildChannel(channelId: Snowflakeish): Promise<GuildChannelEntity>;
  /**
   * Remove a cached guild channel (or thread). Resolves when it is gone; never rejects with `EntryNotFound`.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteGuildChannel(channelId: Snowflakeish): Promise<void>;
  /**
   * Iterate over every cached guild channel (threads included). No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterGuildChannels(): CacheIterator<GuildChannelEntity>;
  /**
   * Remove every cached guild channel (threads included). May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearGuildChannels(): Promise<void>;
}

/** A store of guild channels (threads included) indexed by their parents (sake's RefGuildChannelCache). */
export interface RefGuildChannelCache extends GuildChannelCache {
  /**
   * Iterate over the cached guild channels (threads included) of one guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterGuildChannelsForGuild(guildId: Snowflakeish): CacheIterator<GuildChannelEntity>;
  /**
   * Remove the cached guild channels (threads included) of one guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearGuildChannelsForGuild(guildId: Snowflakeish): Promise<void>;
}
