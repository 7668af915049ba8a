/** Errors the listener reports. */
import type { Snowflake } from '@sake/abc';

/**
 * A batch of events could not be written to the cache (or a read it needed
 * failed). The guilds it concerned are marked stale until their next
 * GUILD_CREATE; `cause` is the backend's error.
 */
export class ListenerWriteError extends Error {
  override readonly name = 'ListenerWriteError';
  /** The guilds whose events were not applied. */
  readonly guildIds: readonly Snowflake[];
  /** The dispatch event names that were not applied, in order. */
  readonly events: readonly string[];

  constructor(message: string, guildIds: readonly Snowflake[], events: readonly string[], cause: unknown) {
    super(message, { cause });
    this.guildIds = guildIds;
    this.events = events;
  }
}

/** `requestMembers` gave up: not every chunk arrived (and was applied) in time, or Discord rate-limited it. */
export class MemberRequestError extends Error {
  override readonly name = 'MemberRequestError';
  /** The guild whose members were requested. */
  readonly guildId: Snowflake;

  constructor(message: string, guildId: Snowflake, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.guildId = guildId;
  }
}
