/**
 * One encoder/decoder per entity. Ids the key already holds are left out of
 * the stored record and restored on read; members are stored without their
 * user (joined from the user resource on read).
 */
import type {
  EmojiEntity,
  GuildChannelEntity,
  GuildEntity,
  InviteEntity,
  MeEntity,
  MemberEntity,
  MessageEntity,
  PresenceEntity,
  RoleEntity,
  UserEntity,
  VoiceStateEntity,
} from '@sake/abc';
import { decodeRecord, encodeRecord } from './record.js';
import type { IdDictionary } from './dictionary.js';

export { decodeRecord, encodeRecord } from './record.js';
export { idBytes, idFromBytes } from './ids.js';
export { IdDictionary, UnknownIndex } from './dictionary.js';

/** Guild record (its id is in the key). */
export const guildCodec = {
  encode: (v: GuildEntity, guildId: string): Buffer => encodeRecord('guild', v, { id: guildId }),
  decode: (b: Uint8Array, key: string, guildId: string): GuildEntity => decodeRecord('guild', b, key, { id: guildId }),
};

/** Channel, role and emoji records (id and guild id are in the key). */
export const childCodec = {
  encode: (resource: 'channel' | 'role' | 'emoji', v: object, id: string, guildId: string): Buffer => encodeRecord(resource, v, { id, guild_id: guildId }),
  decode: <T extends GuildChannelEntity | RoleEntity | EmojiEntity>(
    resource: 'channel' | 'role' | 'emoji',
    b: Uint8Array,
    key: string,
    id: string,
    guildId: string,
  ): T => decodeRecord<T>(resource, b, key, { id, guild_id: guildId }),
};

/**
 * Member record: without `user` (stored as a user) and `guild_id` (in the key); roles as indexes
 * into the guild's role dictionary `roles` (see roles.ts).
 */
export const memberCodec = {
  encode(v: MemberEntity, guildId: string, roles?: IdDictionary): Buffer {
    return encodeRecord('member', v, { guild_id: guildId }, 'user', roles);
  },
  decode(b: Uint8Array, key: string, guildId: string, user: UserEntity, roles?: IdDictionary): MemberEntity {
    const member = decodeRecord<MemberEntity>('member', b, key, { guild_id: guildId }, roles);
    member.user = user;
    return member;
  },
};

/** Presence record (guild id in the key). */
export const presenceCodec = {
  encode: (v: PresenceEntity, guildId: string): Buffer => encodeRecord('presence', v, { guild_id: guildId }),
  decode: (b: Uint8Array, key: string, guildId: string): PresenceEntity => decodeRecord('presence', b, key, { guild_id: guildId }),
};

/** Voice state record (guild and user ids in the key). */
export const voiceStateCodec = {
  encode: (v: VoiceStateEntity, guildId: string, userId: string): Buffer => encodeRecord('voiceState', v, { guild_id: guildId, user_id: userId }),
  decode: (b: Uint8Array, key: string, guildId: string, userId: string): VoiceStateEntity =>
    decodeRecord('voiceState', b, key, { guild_id: guildId, user_id: userId }),
};

/** Message record (id in the key). */
export const messageCodec = {
  encode: (v: MessageEntity, id: string): Buffer => encodeRecord('message', v, { id }),
  decode: (b: Uint8Array, key: string, id: string): MessageEntity => decodeRecord('message', b, key, { id }),
};

/** Invite record (code in the key). */
export const inviteCodec = {
  encode: (v: InviteEntity, code: string): Buffer => encodeRecord('invite', v, { code }),
  decode: (b: Uint8Array, key: string, code: string): InviteEntity => decodeRecord('invite', b, key, { code }),
};

/** User record (id in the field name). */
export const userCodec = {
  encode: (v: UserEntity, id: string): Buffer => encodeRecord('user', v, { id }),
  decode: (b: Uint8Array, key: string, id: string): UserEntity => decodeRecord('user', b, key, { id }),
};

/** The bot's own user. */
export const meCodec = {
  encode: (v: MeEntity): Buffer => encodeRecord('me', v),
  decode: (b: Uint8Array, key: string): MeEntity => decodeRecord('me', b, key),
};
