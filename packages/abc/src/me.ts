/** The bot's own user resource. */
import type { MeEntity } from './entities.js';
import type { Resource } from './resource.js';

/** A store of the bot's own user (set from READY and USER_UPDATE). */
export interface MeCache extends Resource {
  /**
   * Get the bot's own user.
   *
   * @throws EntryNotFound - it is not cached (no READY seen yet)
   * @throws InvalidDataFound - the stored value is unreadable (the message names the key)
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  getMe(): Promise<MeEntity>;
  /**
   * Remove the bot's own user. Never rejects with `EntryNotFound`.
   *
   * @throws BackendError - the store failed or timed out (`ClosedClient` when closed)
   */
  deleteMe(): Promise<void>;
}
