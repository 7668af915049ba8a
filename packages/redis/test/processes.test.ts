/** Two caches on one store — in one process and in two — read each other's writes. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mutation } from '@sake/abc';
import { RedisCache } from '@sake/redis';
import { describe, expect, it } from 'vitest';
import { everything } from './fixtures.js';
import { member, redisUrl, sf, uniquePrefix, user } from './helpers.js';

describe('several writers on one store', () => {
  it("two instances read each other's writes, merges and deletes", async () => {
    const prefix = uniquePrefix('two');
    const a = new RedisCache(redisUrl(), { prefix });
    const b = new RedisCache(redisUrl(), { prefix });
    await Promise.all([a.open(), b.open()]);
    const data = everything();
    await a.apply(data.batch);
    expect((await b.getMember(data.guildId, data.userId)).user.id).toBe(data.userId);
    expect(await b.iterMembersForGuild(data.guildId).len()).toBe(2);
    await b.apply([mutation.merge('member', { guildId: data.guildId, userId: data.userId }, { nick: 'from b' })]);
    expect((await a.getMember(data.guildId, data.userId)).nick).toBe('from b');
    // b re-buckets the guild (a large replace) while a holds a stale bucket-count hint: a still finds members.
    const big = Array.from({ length: 700 }, () => member(data.guildId, user()));
    await b.apply([mutation.replaceForGuild('member', data.guildId, big as never)]);
    const someone = (big[123]!.user as { id: string }).id;
    expect((await a.getMember(data.guildId, someone)).user.id).toBe(someone);
    await expect(a.getMember(data.guildId, data.userId)).rejects.toThrow(/not cached/);
    expect(await a.iterMembersForGuild(data.guildId).len()).toBe(700);
    await a.deleteMessage(data.messageId);
    await expect(b.getMessage(data.messageId)).rejects.toThrow(/not cached/);
    await Promise.all([a.close(), b.close()]);
  });

  it('another process (without msgpackr native acceleration) writes what this one reads, and the reverse', async () => {
    const prefix = uniquePrefix('proc');
    const guildId = sf();
    const u = user(sf(), { unknown_new_field: { x: [1, 2, 3] } });
    const m = member(guildId, u, { nick: 'child' });
    const script = `
      import { RedisCache } from '@sake/redis';
      const [url, prefix, payload] = process.argv.slice(1);
      const { guildId, m } = JSON.parse(payload);
      const cache = new RedisCache(url, { prefix });
      await cache.open();
      await cache.apply([{ type: 'set', resource: 'member', value: m }]);
      const back = await cache.getGuild(guildId);
      process.stdout.write(JSON.stringify(back));
      await cache.close();
    `;
    const here = new RedisCache(redisUrl(), { prefix });
    await here.open();
    await here.apply([mutation.set('guild', { id: guildId, name: 'written by parent', features: ['X'] } as never)]);
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, redisUrl(), prefix, JSON.stringify({ guildId, m })], {
      cwd,
      env: { ...process.env, MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true' },
    }).toString();
    expect(JSON.parse(out)).toEqual({ id: guildId, name: 'written by parent', features: ['X'] });
    expect(await here.getMember(guildId, u.id as string)).toEqual(m);
    await here.close();
  });
});
