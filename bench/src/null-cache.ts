/**
 * A backend that stores nothing: `apply` resolves at once, every get but
 * `getMe` is `EntryNotFound`, every iteration is empty. Behind a `GatewayListener` it
 * measures the listener's own cost (validation, translation, batching) with no
 * backend work at all: what no backend fed by the listener can go below.
 */
import { EntryNotFound, LazyCacheIterator, type CacheIterator, type UserEntity } from '@sake/abc';
import type { GatewayListener } from '@sake/gateway';

type ListenerCache = ConstructorParameters<typeof GatewayListener>[0];

const empty = <T>(): CacheIterator<T> =>
  new LazyCacheIterator<T>(
    () => [],
    () => Promise.resolve(0),
  );
const missing = (): Promise<never> => Promise.reject(new EntryNotFound('the null cache stores nothing'));

/** See the module comment. `me` answers `getMe` (a listener that never saw READY asks for it per reaction). */
export function nullCache(me: UserEntity): ListenerCache {
  return {
    apply: () => Promise.resolve(),
    getGuild: missing,
    iterGuilds: empty,
    getGuildChannel: missing,
    iterGuildChannelsForGuild: empty,
    getRole: missing,
    iterEmojisForGuild: empty,
    getMember: missing,
    iterMembersForGuild: empty,
    getPresence: missing,
    getVoiceState: missing,
    getMessage: missing,
    getInvite: missing,
    getMe: () => Promise.resolve(me),
  };
}
