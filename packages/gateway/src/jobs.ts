/** One dispatch as the listener queues it, and its place in the queue. */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { isSnowflake, type Snowflake } from '@sake/abc';
import type { EventTranslator } from './events/types.js';

/** A dispatch waiting in the listener's queue. */
export interface Job {
  /** The event name. */
  readonly t: string;
  /** The payload's data. */
  readonly d: unknown;
  /** The shard it came from. */
  readonly shardId: number;
  /** Its guild, when it has one (its ordering key). */
  readonly guildId: Snowflake | undefined;
  /** Undefined when the event has no cache effect (unknown, or filtered out). */
  readonly translator: EventTranslator | undefined;
  /** Its place in the listener's stream (see `SharedOrder`). */
  readonly stamp: number;
}

/** The guild an event belongs to (its ordering key), when it has one. */
export function guildOf(t: string, d: unknown): Snowflake | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const data = d as { id?: unknown; guild_id?: unknown };
  const id =
    t === GatewayDispatchEvents.GuildCreate || t === GatewayDispatchEvents.GuildUpdate || t === GatewayDispatchEvents.GuildDelete ? data.id : data.guild_id;
  return isSnowflake(id) ? id : undefined;
}

/** The queue key of an event: its guild, else its channel (DMs), else a shared key. */
export function keyOf(t: string, d: unknown, guildId: Snowflake | undefined): string {
  if (guildId !== undefined) return `g:${guildId}`;
  if (t === GatewayDispatchEvents.UserUpdate) return 'me';
  const channelId = typeof d === 'object' && d !== null ? (d as { channel_id?: unknown }).channel_id : undefined;
  return typeof channelId === 'string' ? `c:${channelId}` : 'global';
}
