/** The voice states resource. */
import type { VoiceStateEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/** A store of voice states. */
export interface VoiceStateCache extends Resource {
  /**
   * Get a cached voice state.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<VoiceStateEntity>;
  /**
   * Remove a cached voice state. Resolves when it is gone; never rejects with `EntryNotFound`.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<void>;
  /**
   * Iterate over every cached voice state. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterVoiceStates(): CacheIterator<VoiceStateEntity>;
  /**
   * Remove every cached voice state. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearVoiceStates(): Promise<void>;
}

/** A store of voice states indexed by their parents (sake's RefVoiceStateCache). */
export interface RefVoiceStateCache extends VoiceStateCache {
  /**
   * Iterate over the cached voice states of one guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterVoiceStatesForGuild(guildId: Snowflakeish): CacheIterator<VoiceStateEntity>;
  /**
   * Remove the cached voice states of one guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearVoiceStatesForGuild(guildId: Snowflakeish): Promise<void>;
  /**
   * Iterate over the cached voice states connected to one channel. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterVoiceStatesForChannel(channelId: Snowflakeish): CacheIterator<VoiceStateEntity>;
  /**
   * Remove the cached voice states connected to one channel. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearVoiceStatesForChannel(channelId: Snowflakeish): Promise<void>;
}
