/** The guilds resource. */
import type { GuildEntity } from './entities.js';
import type { Snowflakeish } from './ids.js';
import type { CacheIterator } from './iterator.js';
import type { Resource } from './resource.js';

/** A store of guilds. */
export interface GuildCache extends Resource {
  /**
   * Get a cached guild.
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws EntryNotFound - the entry is not cached
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getGuild(guildId: Snowflakeish): Promise<GuildEntity>;
  /**
   * Remove a cached guild. Resolves when it is gone; never rejects with `EntryNotFound`.
   * Only the guild entry goes: its channels, roles, emojis, members, presences,
   * voice states, messages and invites stay cached (no cascade, as sake's
   * `delete_guild`; clear them with the `clear…ForGuild` methods).
   *
   * @throws TypeError - an id is malformed (before any I/O)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteGuild(guildId: Snowflakeish): Promise<void>;
  /**
   * Iterate over every cached guild. No I/O happens until iteration starts; errors
   * (`BackendError`, `InvalidDataFound`) surface while iterating. Memory stays
   * bounded however many entries there are.
   */
  iterGuilds(): CacheIterator<GuildEntity>;
  /**
   * Remove every cached guild. May resolve before every entry is gone (as sake allows),
   * but no later `get` returns a cleared entry that was not written again, and no
   * index lists it under the parents it had (set again under others, it is found under those only).
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  clearGuilds(): Promise<void>;
}
