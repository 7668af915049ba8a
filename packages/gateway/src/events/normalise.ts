/**
 * Gateway payloads → the normalised entities `@sake/abc` stores: every value
 * carries its parents' ids, and fields that live in other resources are cut.
 */
import type { EmojiEntity, GuildChannelEntity, GuildEntity, MemberEntity, MessageEntity, PresenceEntity, RoleEntity, VoiceStateEntity } from '@sake/abc';
import type { Json } from '../validate.js';

/** Fields of GUILD_CREATE / GUILD_UPDATE that are cached in their own resources. */
const GUILD_CHILD_FIELDS = ['members', 'channels', 'threads', 'roles', 'emojis', 'presences', 'voice_states'];

/** A guild payload without its children. */
export function guildEntity(data: Json): GuildEntity {
  const out: Json = {};
  for (const [key, value] of Object.entries(data)) if (!GUILD_CHILD_FIELDS.includes(key)) out[key] = value;
  return out as unknown as GuildEntity;
}

/** A channel or thread with `guild_id` (thread-only event extras dropped). */
export function channelEntity(data: Json, guildId: string): GuildChannelEntity {
  const { newly_created: _new, member: _member, ...channel } = data;
  return { ...channel, guild_id: guildId } as unknown as GuildChannelEntity;
}

/** A role with `guild_id`. */
export function roleEntity(data: Json, guildId: string): RoleEntity {
  return { ...data, guild_id: guildId } as unknown as RoleEntity;
}

/** A custom emoji with `guild_id`. */
export function emojiEntity(data: Json, guildId: string): EmojiEntity {
  return { ...data, guild_id: guildId } as unknown as EmojiEntity;
}

/** A member with `guild_id` (its `user` is kept: setting a member sets its user). */
export function memberEntity(data: Json, guildId: string): MemberEntity {
  return { ...data, guild_id: guildId } as unknown as MemberEntity;
}

/** A presence with `guild_id`; its user is cut to `{ id }` (user fields live in the user resource). */
export function presenceEntity(data: Json, guildId: string, userId: string): PresenceEntity {
  return { ...data, guild_id: guildId, user: { id: userId } };
}

/** A voice state with `guild_id`, without the member it may embed. */
export function voiceStateEntity(data: Json, guildId: string): VoiceStateEntity {
  const { member: _member, ...voice } = data;
  return { ...voice, guild_id: guildId } as unknown as VoiceStateEntity;
}

/** A message without the author's `member` (cached as a member). */
export function messageEntity(data: Json): MessageEntity {
  const { member: _member, ...message } = data;
  return message as unknown as MessageEntity;
}
