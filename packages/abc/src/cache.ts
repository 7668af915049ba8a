/** The whole standard in two interfaces. */
import type { GuildChannelCache, RefGuildChannelCache } from './channels.js';
import type { EmojiCache, RefEmojiCache } from './emojis.js';
import type { GuildCache } from './guilds.js';
import type { InviteCache, RefInviteCache } from './invites.js';
import type { MeCache } from './me.js';
import type { MemberCache, RefMemberCache } from './members.js';
import type { MessageCache, RefMessageCache } from './messages.js';
import type { CacheWriter } from './mutations.js';
import type { PresenceCache, RefPresenceCache } from './presences.js';
import type { RoleCache, RefRoleCache } from './roles.js';
import type { UserCache } from './users.js';
import type { VoiceStateCache, RefVoiceStateCache } from './voice-states.js';

/** A cache implementing every resource of the standard (sake's `Cache`). */
export interface Cache
  extends GuildCache, GuildChannelCache, EmojiCache, RoleCache, MemberCache, PresenceCache, VoiceStateCache, MessageCache, InviteCache, UserCache, MeCache {}

/** A cache implementing every resource with every parent index (sake's `RefCache`). */
export interface RefCache
  extends Cache, RefGuildChannelCache, RefEmojiCache, RefRoleCache, RefMemberCache, RefPresenceCache, RefVoiceStateCache, RefMessageCache, RefInviteCache {}

/** A complete backend: every read of {@link RefCache} plus the {@link CacheWriter} write contract. */
export interface Backend extends RefCache, CacheWriter {}
