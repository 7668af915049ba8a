/** The messages resource. */
import type { MessageEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/** A store of messages. */
export interface MessageCache extends Resource {
  /**
   * Get a cached message.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getMessage(messageId: Snowflakeish): Promise<MessageEntity>;
  /**
   * Remove a cached message. Resolves when it is gone; never rejects with `EntryNotFound`.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteMessage(messageId: Snowflakeish): Promise<void>;
  /**
   * Iterate over every cached message. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterMessages(): CacheIterator<MessageEntity>;
  /**
   * Remove every cached message. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearMessages(): Promise<void>;
}

/** A store of messages indexed by their parents (sake's RefMessageCache). */
export interface RefMessageCache extends MessageCache {
  /**
   * Iterate over the cached messages of one guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterMessagesForGuild(guildId: Snowflakeish): CacheIterator<MessageEntity>;
  /**
   * Remove the cached messages of one guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearMessagesForGuild(guildId: Snowflakeish): Promise<void>;
  /**
   * Iterate over the cached messages of one channel. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterMessagesForChannel(channelId: Snowflakeish): CacheIterator<MessageEntity>;
  /**
   * Remove the cached messages of one channel. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearMessagesForChannel(channelId: Snowflakeish): Promise<void>;
  /**
   * Iterate over the cached messages of one author. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   *
   * @throws TypeError - the id is malformed (thrown at the call, before any I/O)
   */
  iterMessagesForAuthor(authorId: Snowflakeish): CacheIterator<MessageEntity>;
  /**
   * Remove the cached messages of one author. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   * @throws TypeError - the id is malformed (before any I/O)
   */
  clearMessagesForAuthor(authorId: Snowflakeish): Promise<void>;
}
