/** Members: joins, updates, leaves and requested chunks. */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { mutation, type Mutation } from '@sake/abc';
import { idOf, object, objectsWithId, snowflake } from '../validate.js';
import { memberEntity, presenceEntity } from './normalise.js';
import type { TranslatorTable } from './types.js';

/** Translators of the member events. */
export const memberTranslators: TranslatorTable = {
  [GatewayDispatchEvents.GuildMemberAdd]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'GUILD_MEMBER_ADD');
      const guildId = snowflake(d, 'guild_id', 'GUILD_MEMBER_ADD');
      idOf(d, 'user.id', 'GUILD_MEMBER_ADD');
      return { mutations: [mutation.set('member', memberEntity(d, guildId))] };
    },
  },

  [GatewayDispatchEvents.GuildMemberUpdate]: {
    // A partial member: merged into the cached one (created when absent); its user is merged into the user.
    reads: 'never',
    translate(data) {
      const d = object(data, 'GUILD_MEMBER_UPDATE');
      const guildId = snowflake(d, 'guild_id', 'GUILD_MEMBER_UPDATE');
      const userId = idOf(d, 'user.id', 'GUILD_MEMBER_UPDATE');
      return { mutations: [mutation.merge('member', { guildId, userId }, memberEntity(d, guildId), true)], oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.GuildMemberRemove]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'GUILD_MEMBER_REMOVE');
      const guildId = snowflake(d, 'guild_id', 'GUILD_MEMBER_REMOVE');
      const userId = idOf(d, 'user.id', 'GUILD_MEMBER_REMOVE');
      return {
        mutations: [
          mutation.delete('member', { guildId, userId }),
          mutation.delete('presence', { guildId, userId }),
          mutation.delete('voiceState', { guildId, userId }),
        ],
        oldOf: 0,
      };
    },
  },

  [GatewayDispatchEvents.GuildMembersChunk]: {
    reads: 'never',
    translate(data, context) {
      const d = object(data, 'GUILD_MEMBERS_CHUNK');
      const guildId = snowflake(d, 'guild_id', 'GUILD_MEMBERS_CHUNK');
      const members = objectsWithId(d, 'members', 'user.id', 'GUILD_MEMBERS_CHUNK');
      const presences = objectsWithId(d, 'presences', 'user.id', 'GUILD_MEMBERS_CHUNK', true);
      // Under the `seen` policy only chunks the bot asked for through requestMembers are cached.
      if (context.rules.members === 'seen' && !context.isRequested(d.nonce)) return { mutations: [] };
      const mutations: Mutation[] = members.map((m) => mutation.set('member', memberEntity(m, guildId)));
      for (const p of presences) mutations.push(mutation.set('presence', presenceEntity(p, guildId, idOf(p, 'user.id', 'presence'))));
      return { mutations };
    },
  },
};
