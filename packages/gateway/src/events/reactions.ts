/** Reactions: keep the cached message's reaction list and counts right. */
import { GatewayDispatchEvents, type APIReaction } from 'discord-api-types/v10';
import { mutation, type MessageEntity, type Mutation, type Snowflake } from '@sake/abc';
import { MalformedPayload, idOf, object, optionalSnowflake, snowflake, type Json } from '../validate.js';
import { memberEntity } from './normalise.js';
import type { TranslateContext, TranslatorTable } from './types.js';

/** The identity of an emoji within a message's reactions: a custom emoji's id, else its unicode name. */
function emojiKey(emoji: { id?: unknown; name?: unknown }): string {
  return typeof emoji.id === 'string' ? emoji.id : String(emoji.name ?? '');
}

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

/** Read the message a reaction event is about (undefined when it is not cached). */
function current(messageId: Snowflake, context: TranslateContext): Promise<MessageEntity | undefined> {
  return context.find(() => context.cache.getMessage(messageId));
}

/** Whether `userId` is the bot: from READY when the listener saw it, else from the cached me (a broker consumer may never see READY). */
async function isMe(userId: Snowflake, context: TranslateContext): Promise<boolean> {
  const meId = context.meId ?? (await context.find(() => context.cache.getMe()))?.id;
  return userId === meId;
}

function withReactions(messageId: Snowflake, reactions: APIReaction[]): Mutation {
  return mutation.merge('message', { messageId }, { reactions });
}

/** Translators of the reaction events. */
export const reactionTranslators: TranslatorTable = {
  [GatewayDispatchEvents.MessageReactionAdd]: {
    reads: 'always',
    async translate(data, context) {
      const { d, messageId, guildId, emoji } = parse(data, 'MESSAGE_REACTION_ADD');
      const userId = snowflake(d, 'user_id', 'MESSAGE_REACTION_ADD');
      if (!emoji) throw new MalformedPayload('MESSAGE_REACTION_ADD.emoji is missing');
      if (d.member !== undefined) idOf(object(d.member, 'MESSAGE_REACTION_ADD.member'), 'user.id', 'MESSAGE_REACTION_ADD.member');
      const old = await current(messageId, context);
      const mutations: Mutation[] = [];
      if (old) {
        const burst = d.burst === true;
        const mine = await isMe(userId, context);
        const reactions = structuredClone(old.reactions ?? []);
        let reaction = reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
        if (!reaction) {
          reaction = { count: 0, count_details: { burst: 0, normal: 0 }, me: false, me_burst: false, emoji: emoji as unknown as APIReaction['emoji'], burst_colors: [] };
          reactions.push(reaction);
        }
        reaction.count += 1;
        if (burst) {
          reaction.count_details.burst += 1;
          reaction.me_burst ||= mine;
          if (Array.isArray(d.burst_colors) && d.burst_colors.length > 0) reaction.burst_colors = d.burst_colors as string[];
        } else {
          reaction.count_details.normal += 1;
          reaction.me ||= mine;
        }
        mutations.push(withReactions(messageId, reactions));
      }
      if (guildId !== undefined && d.member !== undefined) {
        mutations.push(mutation.merge('member', { guildId, userId }, memberEntity(d.member as Json, guildId), true));
      }
      return { mutations, old };
    },
  },

  [GatewayDispatchEvents.MessageReactionRemove]: {
    reads: 'always',
    async translate(data, context) {
      const { d, messageId, emoji } = parse(data, 'MESSAGE_REACTION_REMOVE');
      const userId = snowflake(d, 'user_id', 'MESSAGE_REACTION_REMOVE');
      if (!emoji) throw new MalformedPayload('MESSAGE_REACTION_REMOVE.emoji is missing');
      const old = await current(messageId, context);
      if (!old) return { mutations: [], old };
      const burst = d.burst === true;
      const mine = await isMe(userId, context);
      const reactions = structuredClone(old.reactions ?? []);
      const reaction = reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
      if (!reaction) return { mutations: [], old };
      reaction.count = Math.max(0, reaction.count - 1);
      if (burst) {
        reaction.count_details.burst = Math.max(0, reaction.count_details.burst - 1);
        if (mine) reaction.me_burst = false;
      } else {
        reaction.count_details.normal = Math.max(0, reaction.count_details.normal - 1);
        if (mine) reaction.me = false;
      }
      const kept = reaction.count === 0 ? reactions.filter((r) => r !== reaction) : reactions;
      return { mutations: [withReactions(messageId, kept)], old };
    },
  },

  [GatewayDispatchEvents.MessageReactionRemoveAll]: {
    reads: 'always',
    async translate(data, context) {
      const { messageId } = parse(data, 'MESSAGE_REACTION_REMOVE_ALL');
      const old = await current(messageId, context);
      return { mutations: old ? [withReactions(messageId, [])] : [], old };
    },
  },

  [GatewayDispatchEvents.MessageReactionRemoveEmoji]: {
    reads: 'always',
    async translate(data, context) {
      const { messageId, emoji } = parse(data, 'MESSAGE_REACTION_REMOVE_EMOJI');
      if (!emoji) throw new MalformedPayload('MESSAGE_REACTION_REMOVE_EMOJI.emoji is missing');
      const old = await current(messageId, context);
      if (!old) return { mutations: [], old };
      const reactions = (old.reactions ?? []).filter((r) => emojiKey(r.emoji) !== emojiKey(emoji));
      return { mutations: [withReactions(messageId, reactions)], old };
    },
  },
};
