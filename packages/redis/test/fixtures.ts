/** One batch that touches every resource and index, for tests that need "a bit of everything". */
import { mutation, type Mutation } from '@sake/abc';
import { member, sf, user } from './helpers.js';

/** Ids of the entities {@link everything} writes. */
export interface Everything {
  guildId: string;
  channelId: string;
  userId: string;
  messageId: string;
  code: string;
  batch: Mutation[];
}

/** A batch with a guild, channel, role, emoji, members, presence, voice state, message, invite, user and me. */
export function everything(): Everything {
  const guildId = sf();
  const channelId = sf();
  const u = user();
  const userId = u.id as string;
  const messageId = sf();
  const code = `inv${sf().slice(-8)}`;
  const batch = [
    mutation.set('guild', { id: guildId, name: 'G', icon: null, member_count: 2 } as never),
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: tsc rejects the argument without it
    mutation.set('channel', { id: channelId, type: 0, guild_id: guildId, name: 'general' } as never),
    mutation.set('role', { id: sf(), guild_id: guildId, name: 'r', color: 0, position: 1, permissions: '0' } as never),
    mutation.set('emoji', { id: sf(), guild_id: guildId, name: 'e', roles: [] }),
    mutation.replaceForGuild('member', guildId, [member(guildId, u), member(guildId)] as never),
    mutation.set('presence', { guild_id: guildId, user: { id: userId }, status: 'online', activities: [] } as never),
    mutation.set('voiceState', { guild_id: guildId, user_id: userId, channel_id: channelId, session_id: 's', deaf: false, mute: false } as never),
    mutation.set('message', { id: messageId, channel_id: channelId, guild_id: guildId, author: u, content: 'hi' } as never, {
      channelLimit: 10,
      ttlMs: 60_000,
    }),
    mutation.set('invite', { code, guild_id: guildId, channel_id: channelId, max_age: 3600, uses: 0 } as never),
    mutation.set('user', user() as never),
    mutation.set('me', user(sf(), { bot: true }) as never),
  ];
  return { guildId, channelId, userId, messageId, code, batch };
}
