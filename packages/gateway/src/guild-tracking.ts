/**
 * What the listener knows of guilds without asking the cache: the guilds the
 * bot is in (READY's list, GUILD_CREATE, not left since), the ones whose
 * cached data may be behind (a write failed, or the store lost its data)
 * until their next GUILD_CREATE, and the bot's own user id.
 */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { isSnowflake, type Snowflake } from '@sake/abc';
import type { Job } from './jobs.js';

/** Known and stale guilds, and the bot's user id. */
export class GuildTracking {
  readonly #known = new Set<Snowflake>();
  readonly #stale = new Set<Snowflake>();
  /** The bot's own user id, once READY (or the cached me) told it. */
  meId: Snowflake | undefined;

  /** Guilds whose cached data may be behind (a copy). */
  get stale(): ReadonlySet<Snowflake> {
    return new Set(this.#stale);
  }

  /** How many guilds the bot is known to be in. */
  get knownCount(): number {
    return this.#known.size;
  }

  /** Learn from a dispatch as it arrives (before it is queued). */
  notice(t: string, d: unknown): void {
    if (typeof d !== 'object' || d === null) return;
    if (t === GatewayDispatchEvents.GuildCreate) {
      const id = (d as { id?: unknown }).id;
      if (isSnowflake(id)) this.#known.add(id);
    } else if (t === GatewayDispatchEvents.GuildDelete) {
      const data = d as { id?: unknown; unavailable?: unknown };
      if (isSnowflake(data.id) && data.unavailable !== true) this.#known.delete(data.id);
    } else if (t === GatewayDispatchEvents.Ready) {
      const id = (d as { user?: { id?: unknown } }).user?.id;
      if (isSnowflake(id)) this.meId = id;
      const guilds = (d as { guilds?: unknown }).guilds;
      if (Array.isArray(guilds)) for (const g of guilds) if (isSnowflake((g as { id?: unknown } | null)?.id)) this.#known.add((g as { id: Snowflake }).id);
    }
  }

  /** The store lost its data: every known guild is stale. */
  allStale(): void {
    for (const id of this.#known) this.#stale.add(id);
  }

  /** Events could not be written: their guilds (READY: every guild it lists) are stale. Returns them. */
  failed(jobs: readonly Job[]): Snowflake[] {
    const ids = new Set<Snowflake>();
    for (const job of jobs) {
      if (job.guildId !== undefined) ids.add(job.guildId);
      if (job.t === GatewayDispatchEvents.Ready) {
        const guilds = (job.d as { guilds?: ({ id?: unknown } | null)[] }).guilds ?? [];
        for (const g of guilds) if (isSnowflake(g?.id)) ids.add(g.id);
      }
    }
    for (const id of ids) this.#stale.add(id);
    return [...ids];
  }

  /** A guild's snapshot (GUILD_CREATE) was applied: it is current again. */
  current(guildId: Snowflake): void {
    this.#stale.delete(guildId);
  }
}
