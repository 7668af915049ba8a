/** The emojis resource. */
import type { EmojiEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/** A store of emojis. */
export interface EmojiCache extends Resource {
  /**
   * Get a cached emoji.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getEmoji(emojiId: Snowflakeish): Promise<EmojiEntity>;
  /**
   * Remove a cached emoji. Resolves when it is gone; never rejects with `EntryNotFound`.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteEmoji(emojiId: Snowflakeish): Promise<void>;
  /**
   * Iterate over every cached emoji. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterEmojis(): CacheIterator<EmojiEntity>;
  /**
   * Remove every cached emoji. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearEmojis(): Promise<void>;
}

/** A store of emojis indexed by their parents (sake's RefEmojiCache). */
export interface RefEmojiCache extends EmojiCache {
  /**
   * Iterate over the cached emojis of one guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterEmojisForGuild(guildId: Snowflakeish): CacheIterator<EmojiEntity>;
  /**
   * Remove the cached emojis of one guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearEmojisForGuild(guildId: Snowflakeish): Promise<void>;
}
