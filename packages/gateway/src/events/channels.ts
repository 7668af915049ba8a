/** Channels and threads. */
import { ChannelType, GatewayDispatchEvents } from 'discord-api-types/v10';
import { CHANNEL_CHILD_RESOURCES, mutation, type Mutation, type Snowflake } from '@sake/abc';
import { array, object, objectsWithId, optionalSnowflake, snowflake } from '../validate.js';
import { channelEntity } from './normalise.js';
import type { EventTranslator, DispatchEventName, TranslateContext, TranslatorTable } from './types.js';

const THREAD_TYPES: ReadonlySet<number> = new Set([ChannelType.AnnouncementThread, ChannelType.PublicThread, ChannelType.PrivateThread]);

/**
 * Remove a channel and what lives in it: its messages, invites and voice states. Deleting the
 * channel does it all (the write contract's channel cascade, done by the backend); only when the
 * rules don't cache channels (the delete is then dropped) are the children cleared one by one.
 * The delete comes first either way: it is the mutation whose old value a handler gets.
 */
function channelCascade(channelId: Snowflake, context: TranslateContext): Mutation[] {
  const remove = mutation.delete('channel', { channelId });
  if (context.rules.resources.has('channel')) return [remove];
  return [remove, ...CHANNEL_CHILD_RESOURCES.map((resource) => mutation.clearFor(resource, 'channel', channelId))];
}

/** CHANNEL_CREATE / UPDATE, THREAD_CREATE / UPDATE: set the channel (DM channels are not cached). */
function setChannel<T extends DispatchEventName>(name: string): EventTranslator<T> {
  return {
    reads: 'never',
    translate(data) {
      const d = object(data, name);
      snowflake(d, 'id', name);
      const guildId = optionalSnowflake(d, 'guild_id', name);
      if (guildId === undefined) return { mutations: [] };
      return { mutations: [mutation.set('channel', channelEntity(d, guildId))], oldOf: 0 };
    },
  };
}

/** CHANNEL_DELETE / THREAD_DELETE: the channel, its threads, and everything in them. */
function deleteChannel<T extends DispatchEventName>(name: string): EventTranslator<T> {
  return {
    reads: 'channels',
    async translate(data, context: TranslateContext) {
      const d = object(data, name);
      const channelId = snowflake(d, 'id', name);
      const guildId = optionalSnowflake(d, 'guild_id', name);
      if (guildId === undefined) return { mutations: [] };
      const mutations = channelCascade(channelId, context);
      // Threads of a deleted channel go with it (Discord does not always send their THREAD_DELETEs).
      for (const channel of await context.guildChannels(guildId)) {
        if (THREAD_TYPES.has(channel.type) && (channel as { parent_id?: string | null }).parent_id === channelId) {
          mutations.push(...channelCascade(channel.id, context));
        }
      }
      return { mutations, oldOf: 0 };
    },
  };
}

/** Translators of the channel events. */
export const channelTranslators: TranslatorTable = {
  [GatewayDispatchEvents.ChannelCreate]: setChannel('CHANNEL_CREATE'),
  [GatewayDispatchEvents.ChannelUpdate]: setChannel('CHANNEL_UPDATE'),
  [GatewayDispatchEvents.ThreadCreate]: setChannel('THREAD_CREATE'),
  [GatewayDispatchEvents.ThreadUpdate]: setChannel('THREAD_UPDATE'),
  [GatewayDispatchEvents.ChannelDelete]: deleteChannel('CHANNEL_DELETE'),
  [GatewayDispatchEvents.ThreadDelete]: deleteChannel('THREAD_DELETE'),

  [GatewayDispatchEvents.ThreadListSync]: {
    // The sync lists every active thread of `channel_ids` (of the guild when absent): cached threads
    // of those parents that are not listed are gone.
    reads: 'channels',
    async translate(data, context) {
      const d = object(data, 'THREAD_LIST_SYNC');
      const guildId = snowflake(d, 'guild_id', 'THREAD_LIST_SYNC');
      const threads = objectsWithId(d, 'threads', 'id', 'THREAD_LIST_SYNC');
      const parents =
        d.channel_ids === undefined
          ? undefined
          : new Set(array(d, 'channel_ids', 'THREAD_LIST_SYNC').map((id, i) => snowflake({ id }, 'id', `THREAD_LIST_SYNC.channel_ids[${i}]`)));
      const listed = new Set(threads.map((t) => t.id as string));
      const mutations: Mutation[] = [];
      for (const channel of await context.guildChannels(guildId)) {
        const parentId = (channel as { parent_id?: string | null }).parent_id ?? '';
        if (THREAD_TYPES.has(channel.type) && !listed.has(channel.id) && (parents === undefined || parents.has(parentId))) {
          mutations.push(...channelCascade(channel.id, context));
        }
      }
      for (const thread of threads) mutations.push(mutation.set('channel', channelEntity(thread, guildId)));
      return { mutations };
    },
  },

  [GatewayDispatchEvents.ChannelPinsUpdate]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'CHANNEL_PINS_UPDATE');
      const channelId = snowflake(d, 'channel_id', 'CHANNEL_PINS_UPDATE');
      if (optionalSnowflake(d, 'guild_id', 'CHANNEL_PINS_UPDATE') === undefined) return { mutations: [] };
      const lastPin = d.last_pin_timestamp ?? null;
      return { mutations: [mutation.merge('channel', { channelId }, { last_pin_timestamp: lastPin as string | null })] };
    },
  },
};
