// Differential at the write contract itself: seeded random batches of every mutation type (set,
// merge with and without upsert, delete, replaceForGuild, clearFor, react, removeRole), over small
// pools of ids so batches keep touching the same entries, go to MemoryCache (the reference), to
// RedisCache on one node and on the cluster, and to PostgresCache, each asked for old values; and to a second
// single-node RedisCache that is not (a batch without old values takes the op stream, scripts/batch.lua, where one
// with them takes the plan). After every batch the five must show the same contents through the whole public read
// API, and the four asked must report the same old values. Event-level
// tests go through the listener, which never produces most of these interleavings; this is where a
// Redis batch plan that reorders, drops or double-applies work shows up. A failure prints the seed
// and the batch: SAKE_MUT_SEED=<seed> npx vitest run test/reliability/mutation-differential.test.ts
// (SAKE_MUT_BATCHES=<n> for longer runs, SAKE_MUT_FULL=1 to print the whole failing batch).
// The batches come from support/mutation-generator.ts, which lists what it covers and the documented
// divergences it leaves out. A few batches write short ttlMs: the test waits after each of them
// (support/mutation-generator.ts's EXPIRY_WAIT_MS) and compares reads only once those entries expired.
// Known divergence, left open: a message re-set into another channel (a move no gateway event makes;
// the generator keeps each message in its channel) — RedisCache removes it from the old channel's
// index after the batch's index writes, so that channel's limit counts it once more meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ApplyResult, Backend } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { PostgresCache } from '@sake/postgres';
import { RedisCache } from '@sake/redis';
import { uniquePrefix } from './support/feed.js';
import { generateBatch } from './support/mutation-generator.js';
import { ghostIds, random, world, type World } from './support/mutation-world.js';
import { firstDifferences, snapshots } from './support/snapshot.js';

const SEED = Number(process.env.SAKE_MUT_SEED ?? 0x6d7574);
const BATCHES = Number(process.env.SAKE_MUT_BATCHES ?? 300);
const totals = { batches: 0, mutations: 0, oldValues: 0, waits: 0 };
/** What the cache not asked for old values answers in their place. */
const results0: ApplyResult = { old: [] };
afterAll(() =>
  console.log(
    `[mutation-differential] seed ${SEED}: ${totals.batches} batches, ${totals.mutations} mutations, ${totals.oldValues} old values compared, ${totals.waits} expiry waits, on 5 backends`,
  ),
);

const clusterNodes = (): { host: string; port: number }[] =>
  inject('redisClusterNodes').map((n) => {
    const [host, port] = n.split(':');
    return { host: host!, port: Number(port) };
  });

/**
 * len() of every `…For` read over the pools and the ghosts. The snapshot compares scoped entries;
 * len() counts the index itself, so a stale index entry (one a clear or an expiry left behind) shows here.
 */
function scopedLens(c: Backend, w: World): Promise<number[]> {
  const guilds = [...w.guilds, w.ghosts.guild];
  const channels = [...w.channels.map((ch) => ch.id), w.ghosts.channel];
  const users = [...w.users, ...w.ttlUsers, w.ghosts.user];
  return Promise.all([
    ...guilds.flatMap((g) => [
      c.iterGuildChannelsForGuild(g).len(),
      c.iterRolesForGuild(g).len(),
      c.iterEmojisForGuild(g).len(),
      c.iterMembersForGuild(g).len(),
      c.iterPresencesForGuild(g).len(),
      c.iterVoiceStatesForGuild(g).len(),
      c.iterMessagesForGuild(g).len(),
      c.iterInvitesForGuild(g).len(),
    ]),
    ...channels.flatMap((ch) => [c.iterMessagesForChannel(ch).len(), c.iterVoiceStatesForChannel(ch).len(), c.iterInvitesForChannel(ch).len()]),
    ...users.flatMap((u) => [c.iterMessagesForAuthor(u).len(), c.iterMembersForUser(u).len(), c.iterPresencesForUser(u).len()]),
  ]);
}

describe('differential at the write contract: MemoryCache vs RedisCache (single node and cluster) vs PostgresCache', () => {
  it(
    `random batches of every mutation type leave identical contents and report identical old values (seed ${SEED})`,
    { timeout: Math.max(120_000, BATCHES * 300) },
    async () => {
      const caches: Backend[] = [
        new MemoryCache(),
        new RedisCache(inject('redisUrl'), { prefix: uniquePrefix('mutdiff'), sweepIntervalMs: 0, userBuckets: 8 }),
        new RedisCache({ clusterNodes: clusterNodes() }, { prefix: uniquePrefix('mutdiffc'), sweepIntervalMs: 0, userBuckets: 8 }),
        new PostgresCache(inject('pgUrl'), { schema: uniquePrefix('mutdiff').replace(/[^A-Za-z0-9_]/g, '_'), sweepIntervalMs: 0 }),
        new RedisCache(inject('redisUrl'), { prefix: uniquePrefix('mutdiffs'), sweepIntervalMs: 0, userBuckets: 8 }),
      ];
      // The last cache is not asked for old values: its batches take the op stream.
      const asked = caches.length - 1;
      await Promise.all(caches.map((c) => c.open()));
      try {
        const r = random(SEED);
        const w = world();
        const ghosts = ghostIds(w);
        for (let b = 0; b < BATCHES; b++) {
          const { batch, old, waitMs } = generateBatch(w, r, b);
          const results = await Promise.all(
            caches.map((c, i) => (i < asked ? (c.apply(batch, { old }) as Promise<ApplyResult>) : c.apply(batch).then(() => results0))),
          );
          const wait = waitMs > 0 ? ` (then a ${waitMs} ms wait)` : '';
          const where = `seed ${SEED}, batch ${b}${wait}: ${JSON.stringify(batch).slice(0, process.env.SAKE_MUT_FULL ? undefined : 1500)}`;
          for (const [i, result] of results.slice(0, asked).entries()) expect(result.old, `old values of backend ${i}; ${where}`).toEqual(results[0]!.old);
          // The batch's short ttlMs run out before anything is read (reads in the middle of an expiry would race).
          if (waitMs > 0) await sleep(waitMs);
          const [reference, ...others] = await snapshots(caches, ghosts);
          for (const [i, other] of others.entries()) expect(firstDifferences(reference!, other, 8), `backend ${i + 1} vs MemoryCache; ${where}`).toEqual([]);
          const lens = await Promise.all(caches.map((c) => scopedLens(c, w)));
          for (const [i, l] of lens.entries()) expect(l, `scoped len() of backend ${i}; ${where}`).toEqual(lens[0]);
          totals.batches++;
          totals.mutations += batch.length;
          totals.oldValues += old.length;
          totals.waits += waitMs > 0 ? 1 : 0;
        }
      } finally {
        await Promise.all(caches.map((c) => c.close()));
      }
    },
  );
});
