/** VOICE_STATE_UPDATE. */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { mutation, type Mutation } from '@sake/abc';
import { idOf, object, optionalSnowflake, snowflake } from '../validate.js';
import { memberEntity, voiceStateEntity } from './normalise.js';
import type { TranslatorTable } from './types.js';

/** Translators of the voice state events. */
export const voiceTranslators: TranslatorTable = {
  [GatewayDispatchEvents.VoiceStateUpdate]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'VOICE_STATE_UPDATE');
      const userId = snowflake(d, 'user_id', 'VOICE_STATE_UPDATE');
      const guildId = optionalSnowflake(d, 'guild_id', 'VOICE_STATE_UPDATE');
      if (guildId === undefined) return { mutations: [] };
      const channelId = optionalSnowflake(d, 'channel_id', 'VOICE_STATE_UPDATE');
      if (d.member !== undefined) idOf(object(d.member, 'VOICE_STATE_UPDATE.member'), 'user.id', 'VOICE_STATE_UPDATE.member');
      const mutations: Mutation[] =
        channelId === undefined ? [mutation.delete('voiceState', { guildId, userId })] : [mutation.set('voiceState', voiceStateEntity(d, guildId))];
      if (d.member !== undefined)
        mutations.push(mutation.merge('member', { guildId, userId }, memberEntity(d.member as Record<string, unknown>, guildId), true));
      return { mutations, oldOf: 0 };
    },
  },
};
