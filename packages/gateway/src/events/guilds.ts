/** GUILD_CREATE / UPDATE / DELETE, roles and emojis. */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { mutation, type Mutation, type Snowflake } from '@sake/abc';
import { idOf, object, objectsWithId, optionalSnowflake, snowflake, array, type Json } from '../validate.js';
import { channelEntity, emojiEntity, guildEntity, memberEntity, presenceEntity, roleEntity, voiceStateEntity } from './normalise.js';
import type { TranslateContext, TranslatorTable } from './types.js';

/** Every mutation that removes a guild and everything under it. */
export function guildCascade(guildId: Snowflake): Mutation[] {
  return [
    mutation.delete('guild', { guildId }),
    mutation.clearFor('channel', 'guild', guildId),
    mutation.clearFor('role', 'guild', guildId),
    mutation.clearFor('emoji', 'guild', guildId),
    mutation.clearFor('member', 'guild', guildId),
    mutation.clearFor('presence', 'guild', guildId),
    mutation.clearFor('voiceState', 'guild', guildId),
    mutation.clearFor('invite', 'guild', guildId),
    mutation.clearFor('message', 'guild', guildId),
  ];
}

/** Mark a cached guild unavailable without touching its data (an outage, not a removal). */
function markUnavailable(guildId: Snowflake): Mutation {
  return mutation.merge('guild', { guildId }, { unavailable: true });
}

/** The members of a full GUILD_CREATE snapshot, as the member policy wants them written. */
function snapshotMembers(guildId: Snowflake, members: Json[], voiceUserIds: ReadonlySet<string>, context: TranslateContext): Mutation[] {
  const entities = members.map((m) => memberEntity(m, guildId));
  switch (context.rules.members) {
    case 'all':
      return [mutation.replaceForGuild('member', guildId, entities)];
    case 'seen':
      // Only members who act (in voice) or are the bot; cached members are never dropped by a snapshot.
      return entities.filter((m) => m.user.id === context.meId || voiceUserIds.has(m.user.id)).map((m) => mutation.set('member', m));
    case 'none':
      return [];
  }
}

/** Translators of the guild events. */
export const guildTranslators: TranslatorTable = {
  [GatewayDispatchEvents.GuildCreate]: {
    reads: 'never',
    translate(data, context) {
      const d = object(data, 'GUILD_CREATE');
      const guildId = snowflake(d, 'id', 'GUILD_CREATE');
      if (d.unavailable === true) return { mutations: [markUnavailable(guildId)] };
      // Validate every child before producing anything: one bad entry skips the whole snapshot.
      const channels = [...objectsWithId(d, 'channels', 'id', 'GUILD_CREATE'), ...objectsWithId(d, 'threads', 'id', 'GUILD_CREATE', true)];
      const roles = objectsWithId(d, 'roles', 'id', 'GUILD_CREATE');
      const emojis = objectsWithId(d, 'emojis', 'id', 'GUILD_CREATE');
      const members = objectsWithId(d, 'members', 'user.id', 'GUILD_CREATE');
      const presences = objectsWithId(d, 'presences', 'user.id', 'GUILD_CREATE', true);
      const voiceStates = objectsWithId(d, 'voice_states', 'user_id', 'GUILD_CREATE', true);
      // A voice state is indexed by its channel: a malformed channel id is a malformed payload, not a failed write.
      voiceStates.forEach((v, i) => optionalSnowflake(v, 'channel_id', `GUILD_CREATE.voice_states[${i}]`));
      const voiceUserIds = new Set(voiceStates.map((v) => v.user_id as string));
      return {
        mutations: [
          mutation.set('guild', { ...guildEntity(d), unavailable: false }),
          mutation.replaceForGuild(
            'channel',
            guildId,
            channels.map((c) => channelEntity(c, guildId)),
          ),
          mutation.replaceForGuild(
            'role',
            guildId,
            roles.map((r) => roleEntity(r, guildId)),
          ),
          mutation.replaceForGuild(
            'emoji',
            guildId,
            emojis.map((e) => emojiEntity(e, guildId)),
          ),
          ...snapshotMembers(guildId, members, voiceUserIds, context),
          mutation.replaceForGuild(
            'presence',
            guildId,
            presences.map((p) => presenceEntity(p, guildId, idOf(p, 'user.id', 'presence'))),
          ),
          mutation.replaceForGuild(
            'voiceState',
            guildId,
            voiceStates.map((v) => voiceStateEntity(v, guildId)),
          ),
        ],
      };
    },
  },

  [GatewayDispatchEvents.GuildUpdate]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'GUILD_UPDATE');
      const guildId = snowflake(d, 'id', 'GUILD_UPDATE');
      const roles = d.roles === undefined ? undefined : objectsWithId(d, 'roles', 'id', 'GUILD_UPDATE');
      const emojis = d.emojis === undefined ? undefined : objectsWithId(d, 'emojis', 'id', 'GUILD_UPDATE');
      const mutations: Mutation[] = [mutation.merge('guild', { guildId }, guildEntity(d), true)];
      if (roles)
        mutations.push(
          mutation.replaceForGuild(
            'role',
            guildId,
            roles.map((r) => roleEntity(r, guildId)),
          ),
        );
      if (emojis)
        mutations.push(
          mutation.replaceForGuild(
            'emoji',
            guildId,
            emojis.map((e) => emojiEntity(e, guildId)),
          ),
        );
      return { mutations, oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.GuildDelete]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'GUILD_DELETE');
      const guildId = snowflake(d, 'id', 'GUILD_DELETE');
      // `unavailable: true` is an outage: the data stays. Without it the bot left or was removed.
      if (d.unavailable === true) return { mutations: [markUnavailable(guildId)], oldOf: 0 };
      return { mutations: guildCascade(guildId), oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.GuildRoleCreate]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'GUILD_ROLE_CREATE');
      const guildId = snowflake(d, 'guild_id', 'GUILD_ROLE_CREATE');
      const role = object(d.role, 'GUILD_ROLE_CREATE.role');
      snowflake(role, 'id', 'GUILD_ROLE_CREATE.role');
      return { mutations: [mutation.set('role', roleEntity(role, guildId))] };
    },
  },

  [GatewayDispatchEvents.GuildRoleUpdate]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'GUILD_ROLE_UPDATE');
      const guildId = snowflake(d, 'guild_id', 'GUILD_ROLE_UPDATE');
      const role = object(d.role, 'GUILD_ROLE_UPDATE.role');
      snowflake(role, 'id', 'GUILD_ROLE_UPDATE.role');
      return { mutations: [mutation.set('role', roleEntity(role, guildId))], oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.GuildRoleDelete]: {
    // Discord strips a deleted role from its members without sending member updates: the backend does it.
    reads: 'never',
    translate(data) {
      const d = object(data, 'GUILD_ROLE_DELETE');
      const guildId = snowflake(d, 'guild_id', 'GUILD_ROLE_DELETE');
      const roleId = snowflake(d, 'role_id', 'GUILD_ROLE_DELETE');
      return { mutations: [mutation.delete('role', { roleId }), mutation.removeRole(guildId, roleId)], oldOf: 0 };
    },
  },

  [GatewayDispatchEvents.GuildEmojisUpdate]: {
    reads: 'forOld',
    async translate(data, context) {
      const d = object(data, 'GUILD_EMOJIS_UPDATE');
      const guildId = snowflake(d, 'guild_id', 'GUILD_EMOJIS_UPDATE');
      const emojis = objectsWithId(d, 'emojis', 'id', 'GUILD_EMOJIS_UPDATE');
      const old = context.wantOld ? await context.collect(context.cache.iterEmojisForGuild(guildId)) : undefined;
      return {
        mutations: [
          mutation.replaceForGuild(
            'emoji',
            guildId,
            emojis.map((e) => emojiEntity(e, guildId)),
          ),
        ],
        old,
      };
    },
  },
};

/** Validate READY's guild list (used by the READY translator in me.ts). */
export function readyGuildIds(d: Json): Snowflake[] {
  return array(d, 'guilds', 'READY').map((g, i) => snowflake(object(g, `READY.guilds[${i}]`), 'id', `READY.guilds[${i}]`));
}
