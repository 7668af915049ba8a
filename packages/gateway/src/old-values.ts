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
      return keyOf(m.resource, m.value as never);
    case 'merge':
    case 'delete':
    case 'react':
      return m.key;
    default:
      return undefined;
  }
}

/** Run a read; `EntryNotFound` becomes `undefined`, any other error propagates. */
export async function orAbsent<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof EntryNotFound) return undefined;
    throw error;
  }
}

/** Read the entry `m` writes as it is now (`undefined` when absent or when no reader exists for it). */
export function readOld(cache: ListenerCache, m: Mutation): Promise<unknown> {
  const key = keyOfMutation(m);
  if (key === undefined) return Promise.resolve(undefined);
  return orAbsent((): Promise<unknown> => {
    switch (m.resource) {
      case 'guild':
        return cache.getGuild(key.guildId!);
      case 'channel':
        return cache.getGuildChannel(key.channelId!);
      case 'role':
        return cache.getRole(key.roleId!);
      case 'member':
        return cache.getMember(key.guildId!, key.userId!);
      case 'presence':
        return cache.getPresence(key.guildId!, key.userId!);
      case 'voiceState':
        return cache.getVoiceState(key.guildId!, key.userId!);
      case 'message':
        return cache.getMessage(key.messageId!);
      case 'invite':
        return cache.getInvite(key.code!);
      case 'me':
        return cache.getMe();
      default:
        return Promise.resolve(undefined);
    }
  });
}
