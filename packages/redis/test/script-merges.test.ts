/**
 * Member merges that run in the scripts (apply/script-merges.ts), through
 * `apply`: unreadable stored bytes are `InvalidDataFound` naming their key,
 * on a single node and on a cluster.
 */
import { InvalidDataFound, mutation } from '@sake/abc';
import { Keys } from '@sake/redis';
import { describe, expect, it } from 'vitest';
import { bucketOf, id8, member, opened, sf, TOPOLOGIES, user } from './helpers.js';

for (const [name, make] of TOPOLOGIES) {
  describe(`member merges in the scripts (${name})`, () => {
    it('a merge into a member whose split head lost its tail is InvalidDataFound naming the bucket', async () => {
      const cache = await opened(make());
      const guildId = sf();
      const u = user(sf(), { global_name: 'g'.repeat(40) });
      const m = member(guildId, u, { nick: 'n'.repeat(70) });
      await cache.apply([mutation.set('member', m as never)]);
      const keys = new Keys(cache.prefix);
      const mb = Number(await cache.client.hget(keys.guildMeta(guildId), 'mb'));
      const bucket = bucketOf(u.id as string, mb);
      // The record is over 64 bytes: a marked head in the bucket, its tail beside it.
      expect(await cache.client.hdel(keys.memberTails(guildId, bucket), id8(u.id as string))).toBe(1);
      const merge = mutation.merge('member', { guildId, userId: u.id as string }, { nick: 'other', user: u as never }, true);
      const error = await cache.apply([merge]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidDataFound);
      expect((error as InvalidDataFound).key).toBe(keys.memberBucket(guildId, bucket));
      await cache.close();
    });
  });
}
