/** Backend-neutral access to every resource of a cache, by resource name. */
import { EntryNotFound, type Cache, type CacheIterator, type EntityMap, type ResourceName } from '@sake/abc';

/** Every entry of one resource (for `me`, zero or one entry). */
export function iterResource<R extends ResourceName>(cache: Cache, resource: R): CacheIterator<EntityMap[R]> {
  const iterators: { [K in Exclude<ResourceName, 'me'>]: () => CacheIterator<EntityMap[K]> } = {
    guild: () => cache.iterGuilds(),
    channel: () => cache.iterGuildChannels(),
    emoji: () => cache.iterEmojis(),
    role: () => cache.iterRoles(),
    member: () => cache.iterMembers(),
    presence: () => cache.iterPresences(),
    voiceState: () => cache.iterVoiceStates(),
    message: () => cache.iterMessages(),
    invite: () => cache.iterInvites(),
    user: () => cache.iterUsers(),
  };
  if (resource === 'me') return meIterator(cache) as unknown as CacheIterator<EntityMap[R]>;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: tsc does not narrow the type parameter R by `resource === 'me'`
  return iterators[resource as Exclude<ResourceName, 'me'>]() as unknown as CacheIterator<EntityMap[R]>;
}

/** `me` as an iterator of zero or one entry, so it is handled like every other resource. */
function meIterator(cache: Cache): CacheIterator<EntityMap['me']> {
  const read = async (): Promise<EntityMap['me'] | undefined> => {
    try {
      return await cache.getMe();
    } catch (error) {
      if (error instanceof EntryNotFound) return undefined;
      throw error;
    }
  };
  return {
    async *[Symbol.asyncIterator]() {
      const me = await read();
      if (me !== undefined) yield me;
    },
    async len() {
      return (await read()) === undefined ? 0 : 1;
    },
    async toArray() {
      const me = await read();
      return me === undefined ? [] : [me];
    },
  };
}

/** Remove every entry of one resource. */
export function clearResource(cache: Cache, resource: ResourceName): Promise<void> {
  switch (resource) {
    case 'guild':
      return cache.clearGuilds();
    case 'channel':
      return cache.clearGuildChannels();
    case 'emoji':
      return cache.clearEmojis();
    case 'role':
      return cache.clearRoles();
    case 'member':
      return cache.clearMembers();
    case 'presence':
      return cache.clearPresences();
    case 'voiceState':
      return cache.clearVoiceStates();
    case 'message':
      return cache.clearMessages();
    case 'invite':
      return cache.clearInvites();
    case 'user':
      return cache.clearUsers();
    case 'me':
      return cache.deleteMe();
  }
}
