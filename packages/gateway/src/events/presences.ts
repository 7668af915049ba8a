/** PRESENCE_UPDATE. */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { mutation, type Mutation } from '@sake/abc';
import { idOf, object, optionalSnowflake } from '../validate.js';
import { presenceEntity } from './normalise.js';
import type { TranslatorTable } from './types.js';

/** Translators of the presence events. */
export const presenceTranslators: TranslatorTable = {
  [GatewayDispatchEvents.PresenceUpdate]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'PRESENCE_UPDATE');
      const userId = idOf(d, 'user.id', 'PRESENCE_UPDATE');
      const guildId = optionalSnowflake(d, 'guild_id', 'PRESENCE_UPDATE');
      if (guildId === undefined) return { mutations: [] };
      const mutations: Mutation[] = [mutation.set('presence', presenceEntity(d, guildId, userId))];
      // The user is usually just `{ id }`; when it carries changed fields, merge them into the cached user.
      const user = d.user as Record<string, unknown>;
      if (Object.keys(user).some((key) => key !== 'id')) mutations.push(mutation.merge('user', { userId }, user));
      return { mutations, oldOf: 0 };
    },
  },
};
