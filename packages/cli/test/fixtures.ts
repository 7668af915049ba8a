// A small cache with entries in every resource, and a resource-by-resource dump to compare caches with.
import { RESOURCE_NAMES, mutation, type Backend, type Cache, type EntityMap, type Mutation, type ResourceName } from '@sake/abc';
import { iterResource } from '@sake/cli';

const user = (id: string, name = `user${id}`): EntityMap['user'] => ({ id, username: name, discriminator: '0', global_name: null, avatar: null });

/** Mutations that put at least one entry (most several) in every resource, including a user without a member. */
export function sampleMutations(guilds = 2, membersPerGuild = 5): Mutation[] {
  const out: Mutation[] = [mutation.set('me', user('1', 'sakebot'))];
  for (let g = 1; g <= guilds; g++) {
    const guildId = `${100 + g}`;
    const channelId = `${200 + g}`;
    out.push(
      mutation.set('guild', {
        id: guildId,
        name: `guild ${g}`,
        owner_id: '1001',
        roles: [],
        emojis: [],
        features: [],
        unavailable: false,
      } as unknown as EntityMap['guild']),
      mutation.set('channel', { id: channelId, guild_id: guildId, type: 0, name: 'general', position: 0 }),
      mutation.set('emoji', { id: `${300 + g}`, guild_id: guildId, name: 'sake', animated: false }),
      mutation.set('role', { id: `${400 + g}`, guild_id: guildId, name: 'everyone', color: 0, permissions: '0', position: 0 } as unknown as EntityMap['role']),
      mutation.set('message', {
        id: `${500 + g}`,
        channel_id: channelId,
        guild_id: guildId,
        author: user('1001'),
        content: 'héllo ✓ 🍶',
        timestamp: '2024-01-01T00:00:00.000Z',
      } as unknown as EntityMap['message']),
      mutation.set('invite', {
        code: `inv${g}`,
        channel_id: channelId,
        guild_id: guildId,
        created_at: '2024-01-01T00:00:00.000Z',
        max_age: 0,
        max_uses: 0,
        temporary: false,
        uses: 0,
      } as unknown as EntityMap['invite']),
      mutation.set('voiceState', {
        guild_id: guildId,
        channel_id: channelId,
        user_id: '1001',
        session_id: 's',
        deaf: false,
        mute: false,
        self_deaf: false,
        self_mute: false,
        self_video: false,
        suppress: false,
        request_to_speak_timestamp: null,
      }),
    );
    for (let m = 1; m <= membersPerGuild; m++) {
      const userId = `${1000 + m}`;
      out.push(
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: tsc rejects the argument without it
        mutation.set('member', {
          guild_id: guildId,
          user: user(userId),
          roles: [`${400 + g}`],
          joined_at: '2024-01-01T00:00:00.000Z',
          deaf: false,
          mute: false,
          flags: 0,
          nick: m % 2 ? `nick${m}` : null,
        } as unknown as EntityMap['member']),
        mutation.set('presence', {
          guild_id: guildId,
          user: { id: userId },
          status: 'online',
          activities: [],
          client_status: { desktop: 'online' },
        } as unknown as EntityMap['presence']),
      );
    }
  }
  out.push(mutation.set('user', user('9999', 'lonely user without a member')));
  return out;
}

/** Fill `cache` with {@link sampleMutations}. */
export async function fill(cache: Backend, guilds?: number, membersPerGuild?: number): Promise<void> {
  await cache.apply(sampleMutations(guilds, membersPerGuild));
}

/** `value` with object keys sorted recursively (backends may store fields in another order). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Every entry of every resource, canonical and sorted, so two caches can be compared with toEqual. */
export async function dump(cache: Cache): Promise<Record<ResourceName, unknown[]>> {
  const out = {} as Record<ResourceName, unknown[]>;
  for (const resource of RESOURCE_NAMES) {
    const entries = await iterResource(cache, resource).toArray();
    out[resource] = entries
      .map((e) => JSON.stringify(canonical(e)))
      .sort()
      .map((s) => JSON.parse(s) as unknown);
  }
  return out;
}

/** A single-node ioredis client, as far as {@link dropPrefix} needs it. */
interface ScanningClient {
  scanStream(options: { match: string; count: number }): AsyncIterable<string[]>;
  unlink(...keys: string[]): Promise<number>;
}

/** Delete every key under `prefix` (test clean-up; the tests' Redis is a single node). */
export async function dropPrefix(client: unknown, prefix: string): Promise<void> {
  const redis = client as ScanningClient;
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) if (keys.length > 0) await redis.unlink(...keys);
}
