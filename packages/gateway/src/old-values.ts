/**
 * Old values for confirmed handlers from a backend that can't report them
 * inside `apply` (no `reportsOld`): the entry a mutation is about, read
 * through the public API just before the mutation is written.
 */
import { EntryNotFound, keyOf, type Mutation } from '@sake/abc';
import type { ListenerCache } from './events/types.js';

/** The key fields of the entry `m` writes (set: from its value). */
function keyOfMutation(m: Mutation): Record<string, string> | undefined {
  switch (m.type) {
    case 'set':
      return keyOf(m.resource, m.value as never) as Record<string, string>;
    case 'merge':
    case 'delete':
    case 'react':
      return m.key as Record<string, string>;
    default:
      return undefined;
  }
}

/** Read the entry `m` writes as it is now (`undefined` when absent or when no reader exists for it). */
export async function readOld(cache: ListenerCache, m: Mutation): Promise<unknown> {
  const key = keyOfMutation(m);
  if (key === undefined) return undefined;
  try {
    switch (m.resource) {
      case 'guild':
        return await cache.getGuild(key.guildId!);
      case 'channel':
        return await cache.getGuildChannel(key.channelId!);
      case 'role':
        return await cache.getRole(key.roleId!);
      case 'member':
        return await cache.getMember(key.guildId!, key.userId!);
      case 'presence':
        return await cache.getPresence(key.guildId!, key.userId!);
      case 'voiceState':
        return await cache.getVoiceState(key.guildId!, key.userId!);
      case 'message':
        return await cache.getMessage(key.messageId!);
      case 'invite':
        return await cache.getInvite(key.code!);
      case 'me':
        return await cache.getMe();
      default:
        return undefined;
    }
  } catch (error) {
    if (error instanceof EntryNotFound) return undefined;
    throw error;
  }
}
