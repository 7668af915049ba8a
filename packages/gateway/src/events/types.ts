/** The contract every event translator follows. */
import type { Backend, CacheIterator, GuildChannelEntity, Mutation, Snowflake } from '@sake/abc';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { ResolvedRules } from '../rules.js';

/** The reads a translator may make (the listener never writes except through `apply`). */
export type ListenerCache = Pick<
  Backend,
  | 'apply'
  | 'reportsOld'
  | 'honoursAfter'
  | 'onStoreReset'
  | 'getGuild'
  | 'iterGuilds'
  | 'getGuildChannel'
  | 'iterGuildChannelsForGuild'
  | 'getRole'
  | 'iterEmojisForGuild'
  | 'getMember'
  | 'iterMembersForGuild'
  | 'getPresence'
  | 'getVoiceState'
  | 'getMessage'
  | 'getInvite'
  | 'getMe'
>;

/** A dispatch event name: `'GUILD_CREATE'` or `GatewayDispatchEvents.GuildCreate`, … */
export type DispatchEventName = `${GatewayDispatchPayload['t']}`;

/** The `d` of the payloads whose `t` is `T` (matched by value, so string literals and enum members both work). */
type DataOf<P, T extends string> = P extends { t: infer E; d: infer D } ? (`${E & string}` extends `${T}` ? D : never) : never;

/** The `d` of one dispatch event. */
export type DispatchData<T extends DispatchEventName> = DataOf<GatewayDispatchPayload, T>;

/** What a translator gets besides the payload. */
export interface TranslateContext {
  /** The rules in force. */
  readonly rules: ResolvedRules;
  /** The cache, for reads only. */
  readonly cache: ListenerCache;
  /** The bot's own user id, once READY was seen (for reactions' `me`). */
  readonly meId: Snowflake | undefined;
  /** The bot's own user id: from READY, else read once from the cached me (a broker consumer may never see READY). */
  resolveMeId(): Promise<Snowflake | undefined>;
  /** The shard the event came from. */
  readonly shardId: number;
  /** Whether a confirmed handler wants the value cached before this event (read it only then). */
  readonly wantOld: boolean;
  /** Whether `requestMembers` asked for the chunks with this nonce. */
  isRequested(nonce: unknown): boolean;
  /** Run a read; `EntryNotFound` becomes `undefined`, any other error propagates. */
  find<T>(read: () => Promise<T>): Promise<T | undefined>;
  /** Collect an iterator (small, per-guild sets only). */
  collect<T>(iterator: CacheIterator<T>): Promise<T[]>;
  /**
   * The channels of `guildId` as of this event, the writes of the events before it included
   * whether or not they are in the cache yet (channel-overlay.ts): what a `reads: 'channels'`
   * translator reads instead of `cache.iterGuildChannelsForGuild`.
   */
  guildChannels(guildId: Snowflake): Promise<GuildChannelEntity[]>;
}

/** A translated event: the mutations to apply and, when asked, the value cached before. */
export interface Translation {
  readonly mutations: Mutation[];
  /** The value cached before, when the translator read it itself. */
  readonly old?: unknown;
  /**
   * Where the old value comes from without a read here: the entry of
   * `mutations[oldOf]` as it was just before that mutation, or for a list the
   * entries found before each listed mutation. The backend reports it from
   * inside the write (`CacheWriter.reportsOld`), or the listener reads it.
   */
  readonly oldOf?: number | readonly number[];
}

/**
 * One event's translator.
 *
 * `reads` says when it reads the cache: `always` (it needs the current value
 * to compute the change), `forOld` (only to hand confirmed handlers an old
 * value that no single mutation's entry gives), `channels` (only a guild's
 * channels, through `context.guildChannels`) or `never`. Before an `always`
 * or `forOld` translator runs, the listener writes the events queued before
 * it, so reads see them; `context.guildChannels` sees them without that. Translators prefer `oldOf` and backend-side mutations (`react`,
 * `removeRole`, merge upserts) to reads: a read costs a flush and a round trip.
 */
export interface EventTranslator<T extends DispatchEventName = DispatchEventName> {
  readonly reads: 'always' | 'forOld' | 'channels' | 'never';
  /**
   * Validate the payload (throw `MalformedPayload` before producing anything)
   * and produce its mutations.
   */
  translate(data: DispatchData<T>, context: TranslateContext): Translation | Promise<Translation>;
}

/** Translators by event name. */
export type TranslatorTable = { readonly [T in DispatchEventName]?: EventTranslator<T> };
