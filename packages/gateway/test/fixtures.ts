// Small hand-made gateway payloads and entities for the translator tests.
// Ids are short decimal snowflakes so a failing assertion is easy to read.
import { mutation, type Mutation } from '@sake/abc';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { ListenerLogger } from '@sake/gateway';

export const G = '1000'; // the guild under test
export const G2 = '2000'; // another guild that must stay untouched
export const ME = '9';

export const user = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  username: `user${id}`,
  global_name: null,
  discriminator: '0',
  avatar: `av${id}`,
  public_flags: 0,
  ...extra,
});

export const member = (userId: string, extra: Record<string, unknown> = {}) => ({
  user: user(userId),
  nick: null,
  roles: [] as string[],
  joined_at: '2024-01-01T00:00:00.000Z',
  deaf: false,
  mute: false,
  flags: 0,
  ...extra,
});

export const memberEntity = (guildId: string, userId: string, extra: Record<string, unknown> = {}) => ({ ...member(userId, extra), guild_id: guildId });

export const guild = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `guild${id}`,
  icon: null,
  owner_id: '1',
  features: [],
  ...extra,
});

export const channel = (id: string, guildId: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 0,
  guild_id: guildId,
  name: `channel${id}`,
  position: 0,
  permission_overwrites: [],
  parent_id: null,
  ...extra,
});

export const thread = (id: string, guildId: string, parentId: string) =>
  channel(id, guildId, { type: 11, parent_id: parentId, thread_metadata: { archived: false } });

export const role = (id: string, guildId: string, extra: Record<string, unknown> = {}) => ({
  id,
  guild_id: guildId,
  name: `role${id}`,
  color: 0,
  hoist: false,
  position: 1,
  permissions: '0',
  managed: false,
  mentionable: false,
  flags: 0,
  ...extra,
});

export const emoji = (id: string, guildId: string) => ({ id, guild_id: guildId, name: `emoji${id}`, roles: [], animated: false, available: true });

export const presence = (guildId: string, userId: string, status = 'online') => ({
  user: { id: userId },
  guild_id: guildId,
  status,
  activities: [],
  client_status: { desktop: status },
});

export const voice = (guildId: string, userId: string, channelId: string) => ({
  guild_id: guildId,
  channel_id: channelId,
  user_id: userId,
  session_id: 'abc',
  deaf: false,
  mute: false,
  self_deaf: false,
  self_mute: false,
  self_video: false,
  suppress: false,
  request_to_speak_timestamp: null,
});

export const message = (id: string, channelId: string, authorId: string, guildId: string | null = G, extra: Record<string, unknown> = {}) => ({
  id,
  channel_id: channelId,
  ...(guildId === null ? {} : { guild_id: guildId }),
  author: user(authorId),
  content: `message ${id}`,
  timestamp: '2024-01-01T00:00:00.000Z',
  edited_timestamp: null,
  tts: false,
  mention_everyone: false,
  mentions: [],
  mention_roles: [],
  attachments: [],
  embeds: [],
  pinned: false,
  type: 0,
  ...extra,
});

export const invite = (code: string, guildId: string, channelId: string, maxAge = 0) => ({
  code,
  guild_id: guildId,
  channel_id: channelId,
  created_at: '2024-01-01T00:00:00.000Z',
  max_age: maxAge,
  max_uses: 0,
  temporary: false,
  uses: 0,
  expires_at: null,
});

export const reaction = (name: string, count: number, me = false, id: string | null = null) => ({
  count,
  count_details: { burst: 0, normal: count },
  me,
  me_burst: false,
  emoji: { id, name },
  burst_colors: [],
});

/** A dispatch payload (sequence numbers don't matter to the listener). */
export const dispatch = (t: string, d: unknown): GatewayDispatchPayload => ({ op: 0, t, d, s: 1 }) as GatewayDispatchPayload;

/** Seed mutations for a guild with one member, channel, role, emoji, presence, voice state, message and invite. */
export function seedGuild(guildId: string, n: string): Mutation[] {
  return [
    mutation.set('guild', guild(guildId) as never),
    mutation.set('channel', channel(`${n}1`, guildId)),
    mutation.set('channel', channel(`${n}2`, guildId, { type: 2 })),
    mutation.set('role', role(`${n}3`, guildId) as never),
    mutation.set('emoji', emoji(`${n}4`, guildId)),
    mutation.set('member', memberEntity(guildId, `${n}5`, { roles: [`${n}3`] })),
    mutation.set('presence', presence(guildId, `${n}5`) as never),
    mutation.set('voiceState', voice(guildId, `${n}5`, `${n}2`)),
    mutation.set('message', message(`${n}6`, `${n}1`, `${n}5`, guildId)),
    mutation.set('invite', invite(`inv${n}`, guildId, `${n}1`) as never),
  ];
}

/** A logger that records instead of printing. */
export function recordingLogger(): ListenerLogger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    debug() {},
    warn(message) {
      warnings.push(message);
    },
    error(message) {
      errors.push(message);
    },
  };
}
