/**
 * A queue run's channel writes, for translators that read a guild's channels (`reads: 'channels'`:
 * a channel or thread delete looks for the deleted channel's threads, a thread list sync for the
 * threads it does not list). Without it, such a translator would make the listener write every
 * event before it and wait for the write (the batch's round trip, with the store idle while the
 * listener translated the events before and the listener idle while the store wrote them).
 *
 * Instead the translator reads the cache as it is now and the overlay replays over it every
 * channel write of the run so far, in order. The cache holds everything before the run (a guild's
 * runs never overlap, and a run ends once its writes are confirmed) plus some prefix of the run's
 * own writes; replaying all of them gives the channels as of the event whatever that prefix is: a
 * set, a delete, a guild's replace or clear sets a channel's state outright, and merges are
 * shallow, each field taking its last patch's value (a merge is replayed on the channel as this
 * guild holds it: one moving a channel in from another guild, which the listener never writes, is
 * not seen). A write that then fails (its event isolated and rejected) was counted as made: a
 * thread whose delete failed may outlive its parent.
 */
import type { GuildChannelEntity, Mutation, Snowflake } from '@sake/abc';

/** The channel writes of one run, replayed over what the cache holds. */
export class ChannelOverlay {
  readonly #writes: Mutation[] = [];

  /** Note `m` (as the cache gets it: after the rules) if it writes channels. */
  note(m: Mutation): void {
    if (m.resource === 'channel') this.#writes.push(m);
  }

  /** The channels of `guildId` as of now: `cached` (what the cache holds for it) with every noted write replayed over it. */
  view(guildId: Snowflake, cached: readonly GuildChannelEntity[]): GuildChannelEntity[] {
    if (this.#writes.length === 0) return [...cached];
    const state = new Map<Snowflake, GuildChannelEntity>(cached.map((c) => [c.id, c]));
    for (const m of this.#writes) replay(state, guildId, m);
    return [...state.values()];
  }
}

/** Apply one channel write to `state`, the channels of `guildId`. */
function replay(state: Map<Snowflake, GuildChannelEntity>, guildId: Snowflake, m: Mutation): void {
  switch (m.type) {
    case 'set': {
      const value = m.value as GuildChannelEntity;
      // A set naming another guild moves the channel out of this one.
      if (value.guild_id === guildId) state.set(value.id, value);
      else state.delete(value.id);
      return;
    }
    case 'merge': {
      const id = (m.key as { channelId: Snowflake }).channelId;
      const patch = m.patch as Partial<GuildChannelEntity>;
      const current = state.get(id);
      if (current === undefined) {
        // Absent from this guild: only an upsert naming it creates it here.
        if (m.upsert === true && patch.guild_id === guildId) state.set(id, { ...patch, id } as GuildChannelEntity);
        return;
      }
      const merged = { ...current, ...patch, id } as GuildChannelEntity;
      if (merged.guild_id === guildId) state.set(id, merged);
      else state.delete(id);
      return;
    }
    case 'delete':
      state.delete((m.key as { channelId: Snowflake }).channelId);
      return;
    case 'replaceForGuild':
      // Another guild's replace takes the channels it lists out of this one (they are that guild's now).
      if (m.guildId !== guildId) {
        for (const value of m.values as readonly GuildChannelEntity[]) state.delete(value.id);
        return;
      }
      state.clear();
      for (const value of m.values as readonly GuildChannelEntity[]) state.set(value.id, value);
      return;
    case 'clearFor':
      if (m.id === guildId) state.clear();
      return;
    default:
      return;
  }
}
