/** Reactions: keep the cached message's reaction list and counts right. */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { mutation, type Mutation, type ReactionChange, type ReactionEmoji, type Snowflake } from '@sake/abc';
import { MalformedPayload, idOf, object, optionalSnowflake, snowflake, type Json } from '../validate.js';
import { memberEntity } from './normalise.js';
import type { TranslateContext, TranslatorTable } from './types.js';

/** Validate a reaction event's ids and emoji. */
function parse(data: unknown, where: string): { d: Json; messageId: Snowflake; guildId: Snowflake | undefined; emoji: Json | undefined } {
  const d = object(data, where);
  const messageId = snowflake(d, 'message_id', where);
  snowflake(d, 'channel_id', where);
  const guildId = optionalSnowflake(d, 'guild_id', where);
  let emoji: Json | undefined;
  if (d.emoji !== undefined) {
    emoji = object(d.emoji, `${where}.emoji`);
    optionalSnowflake(emoji, 'id', `${where}.emoji`);
    if (emoji.id == null && typeof emoji.name !== 'string') throw new MalformedPayload(`${where}.emoji needs an id or a name`);
  }
  return { d, messageId, guildId, emoji };
}

/** Whether `userId` is the bot: from READY when the listener saw it, else from the cached me (a broker consumer may never see READY). */
async function isMe(userId: Snowflake, context: TranslateContext): Promise<boolean> {
  return userId === (await context.resolveMeId());
}

/** The emoji of a validated reaction payload, as a reaction change carries it. */
function reactionEmoji(emoji: Json): ReactionEmoji {
  return emoji;
}

/** Translators of the reaction events: each is a `react` mutation the backend applies to the cached message (no read here). */
export const reactionTranslators: TranslatorTable = {
  [GatewayDispatchEvents.MessageReactionAdd]: {
    reads: 'never',
    async translate(data, context) {
      const { d, messageId, guildId, emoji } = parse(data, 'MESSAGE_REACTION_ADD');
      const userId = snowflake(d, 'user_id', 'MESSAGE_REACTION_ADD');
      if (!emoji) throw new MalformedPayload('MESSAGE_REACTION_ADD.emoji is missing');
      if (d.member !== undefined) idOf(object(d.member, 'MESSAGE_REACTION_ADD.member'), 'user.id', 'MESSAGE_REACTION_ADD.member');
      const colors = Array.isArray(d.burst_colors) ? d.burst_colors.filter((c): c is string => typeof c === 'string') : [];
      const change: ReactionChange = {
        op: 'add',
        emoji: reactionEmoji(emoji),
        burst: d.burst === true,
        me: await isMe(userId, context),
        ...(colors.length > 0 ? { burstColors: colors } : {}),
      };
      const mutations: Mutation[] = [mutation.react(messageId, change)];
      if (guildId !== undefined && d.member !== undefined) {
        mutations.push(mutation.merge('member', { guildId, userId }, memberEntity(d.member as Json, guildId), true));
      }
      return { mutations, oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.MessageReactionRemove]: {
    reads: 'never',
    async translate(data, context) {
      const { d, messageId, emoji } = parse(data, 'MESSAGE_REACTION_REMOVE');
      const userId = snowflake(d, 'user_id', 'MESSAGE_REACTION_REMOVE');
      if (!emoji) throw new MalformedPayload('MESSAGE_REACTION_REMOVE.emoji is missing');
      const change: ReactionChange = { op: 'remove', emoji: reactionEmoji(emoji), burst: d.burst === true, me: await isMe(userId, context) };
      return { mutations: [mutation.react(messageId, change)], oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.MessageReactionRemoveAll]: {
    reads: 'never',
    translate(data) {
      const { messageId } = parse(data, 'MESSAGE_REACTION_REMOVE_ALL');
      return { mutations: [mutation.react(messageId, { op: 'removeAll' })], oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.MessageReactionRemoveEmoji]: {
    reads: 'never',
    translate(data) {
      const { messageId, emoji } = parse(data, 'MESSAGE_REACTION_REMOVE_EMOJI');
      if (!emoji) throw new MalformedPayload('MESSAGE_REACTION_REMOVE_EMOJI.emoji is missing');
      return { mutations: [mutation.react(messageId, { op: 'removeEmoji', emoji: reactionEmoji(emoji) })], oldOf: 0 };
    },
  },
};
