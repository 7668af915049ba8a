// A connection that dies in the middle of a large batch. RedisCache sends a guild's ops of a large
// batch as several calls of bounded size (packages/redis/src/apply/guild-calls.ts): each call is
// atomic, the batch is not, so a connection lost between them leaves some calls applied and the
// rest not. The batch rejects, and applying it again (what the listener does with a failed batch)
// must bring the cache to exactly what one uninterrupted apply of it gives: checked here through the
// whole public read API, for cuts at several points of the batch's bytes, against a twin cache on the
// same server that applied the same batch without a fault.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CacheError, EntryNotFound, mutation, type Mutation } from '@sake/abc';
import { RedisCache } from '@sake/redis';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { uniquePrefix } from './support/feed.js';
import { firstDifferences, snapshots } from './support/snapshot.js';

const totals = { cuts: 0, partial: 0 };
afterAll(() => console.log(`[cut-batch] ${totals.cuts} batches cut mid-way (${totals.partial} left half-applied), every one converged on a second apply`));

let next = 400_000_000_000_000_000n;
const sf = (): string => (next += 4_194_304n).toString();

function member(guildId: string, nick: string | null = null): Record<string, unknown> {
  const id = sf();
  return {
    guild_id: guildId,
    user: { id, username: `u${id.slice(-6)}`, discriminator: '0', global_name: `User ${id.slice(-4)}`, avatar: null },
    nick,
    roles: [],
    joined_at: '2023-02-03T04:05:06.789000+00:00',
    deaf: false,
    mute: false,
    flags: 0,
  };
}

const userIdOf = (m: Record<string, unknown>): string => (m.user as { id: string }).id;

/** A guild of 1 200 members, then a batch replacing them (600 kept, 900 new), setting 700 more, deleting one and merging into another. */
function scenario(guildId: string): { seed: Mutation[]; batch: Mutation[] } {
  const first = Array.from({ length: 1200 }, () => member(guildId));
  const kept = first.slice(600);
  const fresh = Array.from({ length: 900 }, () => member(guildId));
  const more = Array.from({ length: 700 }, () => member(guildId, 'more'));
  return {
    seed: [mutation.replaceForGuild('member', guildId, first as never)],
    batch: [
      mutation.replaceForGuild('member', guildId, [...kept, ...fresh] as never),
      ...more.map((m) => mutation.set('member', m as never)),
      mutation.delete('member', { guildId, userId: userIdOf(fresh[5]!) }),
      mutation.merge('member', { guildId, userId: userIdOf(kept[3]!) }, { nick: 'merged' }),
    ],
  };
}

/** The user ids of a guild's stored members. */
async function memberIds(cache: RedisCache, guildId: string): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const m of cache.iterMembersForGuild(guildId)) out.add(m.user.id);
  return out;
}

/** Wait until the cache answers again (ioredis reconnects by itself after the reset). */
async function reachable(cache: RedisCache, guildId: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await cache.getGuild(guildId);
      return;
    } catch (error) {
      if (error instanceof EntryNotFound) return;
      if (attempt > 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function cacheThrough(proxy: TcpProxy, tag: string): RedisCache {
  return new RedisCache(`redis://127.0.0.1:${proxy.port}`, { prefix: uniquePrefix(tag), commandTimeoutMs: 5_000, sweepIntervalMs: 0, userBuckets: 64 });
}

describe('a large batch cut mid-way', () => {
  it('rejects, and applied again ends exactly as one uninterrupted apply', { timeout: 120_000 }, async () => {
    const proxy = await startTcpProxy(Number(new URL(inject('redisUrl')).port));
    try {
      for (const share of [0.2, 0.4, 0.6, 0.8]) {
        // Prefixes of one length: both caches send the same bytes but for the prefix's letters.
        const twin = cacheThrough(proxy, 'cuta');
        const cut = cacheThrough(proxy, 'cutb');
        await Promise.all([twin.open(), cut.open()]);
        try {
          const guildId = sf();
          const { seed, batch } = scenario(guildId);
          await twin.apply(seed);
          await cut.apply(seed);
          const seeded = await memberIds(cut, guildId);
          const sentBefore = proxy.clientBytes;
          await twin.apply(batch);
          const total = proxy.clientBytes - sentBefore;
          const final = await memberIds(twin, guildId);

          proxy.cutAfter(Math.floor(total * share));
          const failure = await cut.apply(batch).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(failure, `cut at ${share} of ${total} bytes`).toBeInstanceOf(CacheError);
          totals.cuts++;
          await reachable(cut, guildId);
          const between = await memberIds(cut, guildId);
          const sameAs = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((id) => b.has(id));
          if (!sameAs(between, seeded) && !sameAs(between, final)) totals.partial++;

          await cut.apply(batch);
          const [a, b] = await snapshots([twin, cut], { guilds: new Set([guildId]) });
          expect(firstDifferences(a!, b!), `after a cut at ${share} of the batch's ${total} bytes`).toEqual([]);
        } finally {
          await Promise.all([twin.close(), cut.close()]);
        }
      }
      // The cuts must have left at least one batch half-applied, or this test shows nothing.
      expect(totals.partial).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });
});
