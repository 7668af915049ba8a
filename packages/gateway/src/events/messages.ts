/** Messages: create, update, delete, bulk delete. */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { mutation, type Mutation, type Snowflake } from '@sake/abc';
import { array, idOf, object, optionalSnowflake, snowflake, string, type Json } from '../validate.js';
import { memberEntity, messageEntity } from './normalise.js';
import type { TranslateContext, TranslatorTable } from './types.js';

/** Write a message under the message rule (per-channel limit, TTL). */
function setMessage(d: Json, context: TranslateContext): Mutation[] {
  const rule = context.rules.messages;
  if (rule === false) return [];
  return [
    mutation.set(
      'message',
      messageEntity(d),
      rule.ttlMs === undefined ? { channelLimit: rule.perChannel } : { channelLimit: rule.perChannel, ttlMs: rule.ttlMs },
    ),
  ];
}

/**
 * The author of a message: in a guild, merged into its member (the gateway
 * sends the author's member alongside); elsewhere set as a user, with the
 * retention TTL since no member refers to it. Webhook authors are not users.
 */
function author(d: Json, guildId: Snowflake | undefined, context: TranslateContext): Mutation[] {
  if (d.webhook_id !== undefined && d.webhook_id !== null) return [];
  const user = d.author as Json;
  const userId = user.id as Snowflake;
  if (guildId !== undefined && typeof d.member === 'object' && d.member !== null) {
    return [mutation.merge('member', { guildId, userId }, { ...memberEntity(d.member as Json, guildId), user } as never, true)];
  }
  const ttl = context.rules.userRetentionMs;
  return [mutation.set('user', user as never, ttl === undefined ? {} : { ttlMs: ttl })];
}

/** Whether a message payload has every field a stored message needs. */
function isFullMessage(d: Json): boolean {
  try {
    checkFullMessage(d, 'MESSAGE_UPDATE');
    return true;
  } catch {
    return false;
  }
}

/** Check the fields a message must have to be stored whole. */
function checkFullMessage(d: Json, where: string): void {
  snowflake(d, 'id', where);
  snowflake(d, 'channel_id', where);
  idOf(d, 'author.id', where);
  string(d, 'content', where);
  string(d, 'timestamp', where);
}

/** Translators of the message events. */
export const messageTranslators: TranslatorTable = {
  [GatewayDispatchEvents.MessageCreate]: {
    reads: 'never',
    translate(data, context) {
      const d = object(data, 'MESSAGE_CREATE');
      checkFullMessage(d, 'MESSAGE_CREATE');
      const guildId = optionalSnowflake(d, 'guild_id', 'MESSAGE_CREATE');
      return { mutations: [...setMessage(d, context), ...author(d, guildId, context)] };
    },
  },

  [GatewayDispatchEvents.MessageUpdate]: {
    // Merged into the cached message by the backend; an uncached one is stored only when the update is complete.
    reads: 'never',
    translate(data, context) {
      const d = object(data, 'MESSAGE_UPDATE');
      const messageId = snowflake(d, 'id', 'MESSAGE_UPDATE');
      snowflake(d, 'channel_id', 'MESSAGE_UPDATE');
      const guildId = optionalSnowflake(d, 'guild_id', 'MESSAGE_UPDATE');
      const complete = isFullMessage(d);
      const mutations: Mutation[] = [];
      const rule = context.rules.messages;
      if (rule !== false) {
        // An upsert creates the message under the message rule, as MESSAGE_CREATE would; a merge keeps its expiry.
        const options = complete ? { channelLimit: rule.perChannel, ...(rule.ttlMs === undefined ? {} : { ttlMs: rule.ttlMs }) } : {};
        mutations.push(mutation.merge('message', { messageId }, messageEntity(d), complete, options));
      }
      if (complete) mutations.push(...author(d, guildId, context));
      return { mutations, oldOf: rule === false ? undefined : 0 };
    },
  },

  [GatewayDispatchEvents.MessageDelete]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'MESSAGE_DELETE');
      const messageId = snowflake(d, 'id', 'MESSAGE_DELETE');
      return { mutations: [mutation.delete('message', { messageId })], oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.MessageDeleteBulk]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'MESSAGE_DELETE_BULK');
      const ids = array(d, 'ids', 'MESSAGE_DELETE_BULK').map((id, i) => snowflake({ id }, 'id', `MESSAGE_DELETE_BULK.ids[${i}]`));
      return { mutations: ids.map((messageId) => mutation.delete('message', { messageId })), oldOf: ids.map((_, i) => i) };
    },
  },
};
