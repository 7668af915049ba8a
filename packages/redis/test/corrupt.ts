/** Overwrite the stored bytes of one entry with garbage, wherever the layout keeps it. */
import type { EntryKey } from '@sake/conformance';
import type { ResourceName } from '@sake/abc';
import { Keys, type RedisCache } from '@sake/redis';
import { id8 } from './helpers.js';

const GARBAGE = Buffer.from([0xff, 0x00, 0x13, 0x37]);

function bucket(id: string, n: number): number {
  return Number(id.length > 9 ? id.slice(-9) : id) % n;
}

/** The conformance suite's `corrupt` hook for RedisCache. */
export async function corruptEntry(cache: RedisCache, resource: ResourceName, entry: EntryKey): Promise<void> {
  const keys = new Keys(cache.prefix);
  const c = cache.client;
  const key = entry as Record<string, string>;
  const userBuckets = Number(await c.hget(keys.layout, 'userBuckets'));
  const locate = async (r: 'channel' | 'role' | 'emoji', id: string): Promise<string> => {
    const g = await c.hgetBuffer(keys.locator(r), id8(id));
    if (!g) throw new Error(`${r} ${id} is not stored`);
    return g.readBigUInt64BE().toString();
  };
  switch (resource) {
    case 'guild':
      await c.hset(keys.guildMeta(key.guildId!), 'g', GARBAGE);
      return;
    case 'channel':
      await c.hset(keys.guildChild(await locate('channel', key.channelId!), 'channel'), id8(key.channelId!), GARBAGE);
      return;
    case 'role':
      await c.hset(keys.guildChild(await locate('role', key.roleId!), 'role'), id8(key.roleId!), GARBAGE);
      return;
    case 'emoji':
      await c.hset(keys.guildChild(await locate('emoji', key.emojiId!), 'emoji'), id8(key.emojiId!), GARBAGE);
      return;
    case 'member': {
      const nb = Number(await c.hget(keys.guildMeta(key.guildId!), 'mb'));
      await c.hset(keys.memberBucket(key.guildId!, bucket(key.userId!, nb)), id8(key.userId!), GARBAGE);
      return;
    }
    case 'presence':
    case 'voiceState':
      await c.hset(keys.guildChild(key.guildId!, resource), id8(key.userId!), GARBAGE);
      return;
    case 'message':
      await c.set(keys.message(key.messageId!), GARBAGE, 'KEEPTTL');
      return;
    case 'invite':
      await c.set(keys.invite(key.code!), GARBAGE, 'KEEPTTL');
      return;
    case 'user':
      await c.hset(keys.users(bucket(key.userId!, userBuckets)), id8(key.userId!), GARBAGE);
      return;
    case 'me':
      await c.set(keys.me, GARBAGE);
      return;
  }
}
