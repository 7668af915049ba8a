/**
 * Reads: point-read latency (getMember against raw HGET + JSON.parse of the
 * same member), 10k concurrent getMember calls against the same calls awaited
 * one by one, and iterMembersForGuild (with the user join) against HSCAN +
 * JSON.parse without the join.
 */
import type { BenchContext } from '../context.js';
import { samplePairs } from '../dataset.js';
import { inspectPass, inspecting } from '../diagnose.js';
import { figure, type Figure } from '../figures.js';
import { median, now, percentile, settle, timed } from '../stats.js';
import type { Loaded } from './ingest.js';

/** Point reads, one at a time, interleaving the two paths in blocks so drift hits both alike. */
async function pointReads(context: BenchContext, loaded: Loaded): Promise<Figure[]> {
  const { cache, naive, dataset } = loaded;
  const pairs = samplePairs(dataset, context.sizes.readSamples);
  const warm = samplePairs(dataset, 2_000, 99);
  for (const [g, u] of warm) {
    await cache.getMember(g, u);
    await naive.getMember(g, u);
  }
  const sake: number[] = [];
  const raw: number[] = [];
  const block = 250;
  for (let start = 0; start < pairs.length; start += block) {
    const slice = pairs.slice(start, start + block);
    const first = (start / block) % 2 === 0;
    for (const pass of first ? ['sake', 'raw'] : ['raw', 'sake']) {
      for (const [g, u] of slice) {
        const t0 = now();
        if (pass === 'sake') await cache.getMember(g, u);
        else await naive.getMember(g, u);
        (pass === 'sake' ? sake : raw).push((now() - t0) * 1000);
      }
    }
  }
  if (inspecting(context)) {
    await inspectPass(context, 'get-member', 'call', pairs.length, async () => {
      for (const [g, u] of pairs) await cache.getMember(g, u);
    });
  }
  const notes = `${pairs.length} random members, sequential awaits`;
  return [
    figure('get_member_p50_us', 'getMember p50', percentile(sake, 50), percentile(raw, 50), 'HGET + JSON.parse', 'µs', notes),
    figure('get_member_p99_us', 'getMember p99', percentile(sake, 99), percentile(raw, 99), 'HGET + JSON.parse', 'µs', notes),
  ];
}

/** 10k getMember promises at once (auto-pipelining) against the same kind of calls awaited in turn. */
async function concurrentReads(context: BenchContext, loaded: Loaded): Promise<Figure> {
  const { cache, dataset } = loaded;
  const n = context.sizes.concurrentGets;
  // Awaiting in turn is slow by nature: a few thousand calls give its rate as well as 10k would.
  const sequentialCalls = Math.min(n, context.sizes.sequentialGets);
  const concurrent: number[] = [];
  const sequential: number[] = [];
  // Warm-up: both shapes of call, untimed.
  const warm = samplePairs(dataset, 2_000, 999);
  await Promise.all(warm.map(([g, u]) => cache.getMember(g, u)));
  for (const [g, u] of warm.slice(0, 500)) await cache.getMember(g, u);
  for (let rep = 0; rep < context.sizes.reps; rep++) {
    const pairs = samplePairs(dataset, n, 1000 + rep);
    await settle();
    const c = await timed(() => Promise.all(pairs.map(([g, u]) => cache.getMember(g, u))));
    await settle();
    const s = await timed(async () => {
      for (const [g, u] of pairs.slice(0, sequentialCalls)) await cache.getMember(g, u);
    });
    concurrent.push(n / (c / 1000));
    sequential.push(sequentialCalls / (s / 1000));
  }
  if (inspecting(context)) {
    const pairs = samplePairs(dataset, n, 4242);
    await inspectPass(context, 'concurrent-get', 'call', n, () => Promise.all(pairs.map(([g, u]) => cache.getMember(g, u))));
  }
  return figure(
    'concurrent_get_ops_per_s',
    `${n / 1000}k concurrent getMember`,
    median(concurrent),
    median(sequential),
    'getMember awaited in turn',
    'ops/s',
    `${n} at once vs ${sequentialCalls} in turn, median of ${context.sizes.reps}`,
  );
}

/** Iterate the largest guild both ways; both must see every member. */
async function iteration(context: BenchContext, loaded: Loaded): Promise<Figure> {
  const { cache, naive, dataset } = loaded;
  const guild = dataset.guilds[0]!;
  const expected = guild.members.length;
  const sakeRates: number[] = [];
  const naiveRates: number[] = [];
  for (let rep = 0; rep < context.sizes.reps + 1; rep++) {
    await settle();
    let seen = 0;
    const s = await timed(async () => {
      for await (const member of cache.iterMembersForGuild(guild.guildId)) if (member.user.id) seen++;
    });
    if (seen !== expected) throw new Error(`iterMembersForGuild yielded ${seen} members of ${expected}: the figure would not be valid`);
    let naiveSeen = 0;
    const r = await timed(async () => {
      naiveSeen = await naive.iterMembers(guild.guildId);
    });
    if (naiveSeen !== expected) throw new Error(`naive HSCAN saw ${naiveSeen} members of ${expected}`);
    if (rep === 0) continue;
    sakeRates.push(expected / (s / 1000));
    naiveRates.push(expected / (r / 1000));
  }
  if (inspecting(context)) {
    await inspectPass(context, 'iter-members', 'member', expected, async () => {
      for await (const member of cache.iterMembersForGuild(guild.guildId)) if (!member.user.id) throw new Error('member without user id');
    });
  }
  return figure(
    'iter_members_per_s',
    'iterMembersForGuild (user joined)',
    median(sakeRates),
    median(naiveRates),
    'HSCAN + JSON.parse, no join',
    'members/s',
    `guild of ${expected}, median of ${context.sizes.reps}`,
  );
}

/** Every read figure. */
export async function readPhase(context: BenchContext, loaded: Loaded): Promise<Figure[]> {
  context.log('point reads…');
  const points = await pointReads(context, loaded);
  context.log('concurrent reads…');
  const concurrent = await concurrentReads(context, loaded);
  context.log('iteration…');
  const iter = await iteration(context, loaded);
  return [...points, concurrent, iter];
}
