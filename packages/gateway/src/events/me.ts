/** READY and USER_UPDATE: the bot's own user, and READY's guild list. */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { mutation, type MeEntity, type Mutation } from '@sake/abc';
import { MalformedPayload, array, idOf, object } from '../validate.js';
import { guildCascade, readyGuildIds } from './guilds.js';
import type { TranslatorTable } from './types.js';

/** The shard a guild belongs to: `(guild_id >> 22) % shardCount`. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Translators of the READY and USER_UPDATE events. */
export const meTranslators: TranslatorTable = {
  [GatewayDispatchEvents.Ready]: {
    // A fresh session: guilds it lists are unavailable until their GUILD_CREATE; cached guilds of
    // this shard it does not list were left while the bot was away, so they and their data go.
    reads: 'always',
    async translate(data, context) {
      const d = object(data, 'READY');
      idOf(d, 'user.id', 'READY');
      const listed = new Set(readyGuildIds(d));
      let shard: [number, number] | undefined;
      if (d.shard !== undefined) {
        const [id, count] = array(d, 'shard', 'READY');
        if (!Number.isInteger(id) || !Number.isInteger(count) || (count as number) < 1) throw new MalformedPayload('READY.shard must be [shardId, shardCount]');
        shard = [id as number, count as number];
      }
      const mutations: Mutation[] = [mutation.set('me', d.user as MeEntity)];
      for (const guildId of listed) mutations.push(mutation.merge('guild', { guildId }, { unavailable: true }));
      if (shard && context.rules.resources.has('guild')) {
        for await (const guild of context.cache.iterGuilds()) {
          if (!listed.has(guild.id) && shardOf(guild.id, shard[1]) === shard[0]) mutations.push(...guildCascade(guild.id));
        }
      }
      return { mutations, oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.UserUpdate]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'USER_UPDATE');
      idOf(d, 'id', 'USER_UPDATE');
      return { mutations: [mutation.set('me', d as unknown as MeEntity)], oldOf: 0 };
    },
  },
};
