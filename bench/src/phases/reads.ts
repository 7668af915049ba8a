/**
 * Reads: point-read latency (getMember against raw HGET + JSON.parse of the
 * same member), 10k concurrent getMember calls against the same calls awaited
 * one by one, and iterMembersForGuild (with the user join) against HSCAN +
 * JSON.parse without the join, beside the same HSCAN joining the users.
 */
import type { BenchContext } from '../context.js';
import { samplePairs } from '../dataset.js';
import { inspectPass, inspecting } from '../diagnose.js';
import { figure, type Figure } from '../figures.js';
import { median, now, percentile, settle, timed, timedCpu } from '../stats.js';
import type { Loaded } from './ingest.js';

/** The point-read paths, each timed per call. */
type PointPath = 'sake' | 'raw' | 'joined';

/**
 * Point reads, one at a time, interleaving the paths in blocks (each block in a rotated order) so
 * drift hits them alike: RedisCache's getMember, the naive HGET + JSON.parse (the baseline), and
 * the naive member and user in one write (the floor under any layout that stores a user apart).
 */
async function pointReads(context: BenchContext, loaded: Loaded): Promise<Figure[]> {
  const { cache, naive, dataset } = loaded;
  const pairs = samplePairs(dataset, context.sizes.readSamples);
  const warm = samplePairs(dataset, 2_000, 99);
  const read: Record<PointPath, (g: string, u: string) => Promise<unknown>> = {
    sake: (g, u) => cache.getMember(g, u),
    raw: (g, u) => naive.getMember(g, u),
    joined: (g, u) => naive.getMemberJoined(g, u),
  };
  const paths = Object.keys(read) as PointPath[];
  for (const [g, u] of warm) for (const path of paths) await read[path](g, u);
  const times: Record<PointPath, number[]> = { sake: [], raw: [], joined: [] };
  const block = 250;
  for (let start = 0; start < pairs.length; start += block) {
    const slice = pairs.slice(start, start + block);
    const turn = (start / block) % paths.length;
    for (const path of [...paths.slice(turn), ...paths.slice(0, turn)]) {
      for (const [g, u] of slice) {
        const t0 = now();
        await read[path](g, u);
        times[path].push((now() - t0) * 1000);
      }
    }
  }
  if (inspecting(context)) {
    await inspectPass(context, 'get-member', 'call', pairs.length, async () => {
      for (const [g, u] of pairs) await cache.getMember(g, u);
    });
  }
  const notes = `${pairs.length} random members, sequential awaits`;
  const joinedNotes = `${notes}; getMember p50 is ${(percentile(times.sake, 50) / percentile(times.joined, 50)).toFixed(2)}× this floor`;
  return [
    figure('get_member_p50_us', 'getMember p50', percentile(times.sake, 50), percentile(times.raw, 50), 'HGET + JSON.parse', 'µs', notes),
    figure('get_member_p99_us', 'getMember p99', percentile(times.sake, 99), percentile(times.raw, 99), 'HGET + JSON.parse', 'µs', notes),
    figure(
      'get_member_join_floor_p50_us',
      'member + user, 2 HGETs in 1 write',
      percentile(times.joined, 50),
      percentile(times.raw, 50),
      'HGET + JSON.parse',
      'µs',
      joinedNotes,
    ),
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

/** CPU microseconds per member of one pass, in Node and in redis-server. */
interface PassCpu {
  node: number;
  redis: number;
}

/** Run `pass` (which visits `members` members) and measure its rate and its CPU on both sides. */
async function measuredPass(context: BenchContext, members: number, pass: () => Promise<void>): Promise<{ rate: number; cpu: PassCpu }> {
  const { ms, node, redis } = await timedCpu(context.redis, pass);
  return { rate: members / (ms / 1000), cpu: { node: node / members, redis: redis / members } };
}

/** The median per-member CPU of some passes, as a note (`Node x / redis-server y µs`). */
function cpuNote(passes: readonly PassCpu[]): string {
  return `Node ${median(passes.map((p) => p.node)).toFixed(2)} / redis-server ${median(passes.map((p) => p.redis)).toFixed(2)} µs`;
}

/**
 * Iterate the largest guild three ways, each pass seeing every member: RedisCache, naive HSCAN
 * without the join (the baseline), and naive HSCAN with each page's users read by one HMGET (the
 * baseline doing the join RedisCache does). The notes give each path's CPU
 * per member on both sides: RedisCache's windows are fetched ahead, so its rate follows the busier
 * side, while HSCAN waits for each reply, so its rate follows their sum.
 */
async function iteration(context: BenchContext, loaded: Loaded): Promise<Figure[]> {
  const { cache, naive, dataset } = loaded;
  const guild = dataset.guilds[0]!;
  const expected = guild.members.length;
  const check = (path: string, seen: number): void => {
    if (seen !== expected) throw new Error(`${path} saw ${seen} members of ${expected}: the figure would not be valid`);
  };
  const paths = {
    sake: async (): Promise<void> => {
      let seen = 0;
      for await (const member of cache.iterMembersForGuild(guild.guildId)) if (member.user.id) seen++;
      check('iterMembersForGuild', seen);
    },
    raw: async (): Promise<void> => check('naive HSCAN', await naive.iterMembers(guild.guildId)),
    joined: async (): Promise<void> => check('naive HSCAN + HMGET', await naive.iterMembersJoined(guild.guildId)),
  };
  const rates = { sake: [] as number[], raw: [] as number[], joined: [] as number[] };
  const cpu = { sake: [] as PassCpu[], raw: [] as PassCpu[], joined: [] as PassCpu[] };
  for (let rep = 0; rep < context.sizes.reps + 1; rep++) {
    await settle();
    for (const path of ['sake', 'raw', 'joined'] as const) {
      const pass = await measuredPass(context, expected, paths[path]);
      // The first repetition warms every path up.
      if (rep === 0) continue;
      rates[path].push(pass.rate);
      cpu[path].push(pass.cpu);
    }
  }
  if (inspecting(context)) {
    await inspectPass(context, 'iter-members', 'member', expected, async () => {
      for await (const member of cache.iterMembersForGuild(guild.guildId)) if (!member.user.id) throw new Error('member without user id');
    });
  }
  const notes = `guild of ${expected}, median of ${context.sizes.reps}`;
  const sake = median(rates.sake);
  const joined = median(rates.joined);
  return [
    figure(
      'iter_members_per_s',
      'iterMembersForGuild (user joined)',
      sake,
      median(rates.raw),
      'HSCAN + JSON.parse, no join',
      'members/s',
      `${notes}; CPU per member: RedisCache ${cpuNote(cpu.sake)}, naive ${cpuNote(cpu.raw)}`,
    ),
    figure(
      'iter_naive_joined_members_per_s',
      'naive HSCAN, users joined by HMGET',
      joined,
      median(rates.raw),
      'HSCAN + JSON.parse, no join',
      'members/s',
      `${notes}; CPU per member ${cpuNote(cpu.joined)}; iterMembersForGuild is ${(sake / joined).toFixed(2)}× this`,
    ),
  ];
}

/** Every read figure. */
export async function readPhase(context: BenchContext, loaded: Loaded): Promise<Figure[]> {
  context.log('point reads…');
  const points = await pointReads(context, loaded);
  context.log('concurrent reads…');
  const concurrent = await concurrentReads(context, loaded);
  context.log('iteration…');
  const iter = await iteration(context, loaded);
  return [...points, concurrent, ...iter];
}
