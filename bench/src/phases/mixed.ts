/**
 * The mixed stream: a realistic mix of gateway events (messages and their
 * reactions, presences, member joins/updates/leaves, voice, a few structural
 * changes) applied through the listener as fast as it goes, and then offered
 * at a fixed 5k events/s with `confirm` handlers on every event, measuring
 * from `handle()` to the confirmed handler's call. The same events also go
 * through the listener into `MemoryCache`: the listener's own cost, as the
 * baseline that shows what Redis adds.
 */
import type { GatewayListener } from '@sake/gateway';
import { MemoryCache } from '@sake/memory';
import type { RedisCache } from '@sake/redis';
import { EventScript, type World } from '@sake/simulator';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { BenchContext } from '../context.js';
import { buildIngestDataset } from '../dataset.js';
import { inspectPass, inspecting } from '../diagnose.js';
import { figure, type Figure } from '../figures.js';
import { assertClean, handleAll, ingestThroughListener, listenerFor, openCache } from '../sake.js';
import { median, now, percentile, settle, timed, timedCpu } from '../stats.js';

/** Events offered per second in the confirm run (DESIGN §7). */
const CONFIRM_RATE = 5_000;
/** Messages the world remembers (older ones can no longer be edited or deleted, as after the cache's per-channel limit). */
const KEEP_MESSAGES = 2_000;

/** The next `count` events of `script`; the world's message history is trimmed so generating stays O(1) per event. */
export function generate(world: World, script: EventScript, count: number): GatewayDispatchPayload[] {
  const out: GatewayDispatchPayload[] = [];
  while (out.length < count) {
    for (const event of script.take(Math.min(500, count - out.length))) out.push(event.payload);
    const excess = world.messages.size - KEEP_MESSAGES;
    if (excess > 0) {
      let dropped = 0;
      for (const id of world.messages.keys()) {
        if (dropped++ >= excess) break;
        world.messages.delete(id);
      }
    }
  }
  return out;
}

/** What a paced run measured. */
interface PacedRun {
  /** handle() → confirmed handler, ms, one per event offered. */
  readonly latencies: number[];
  /** Events offered before the backlog passed {@link MAX_BACKLOG_S} (all of them unless overloaded). */
  readonly offered: number;
}

/** A paced run stops offering once this many seconds of events wait: the cache can't keep up, and the figure is already a fail. */
const MAX_BACKLOG_S = 1;

/** Offer `events` at `rate`/s with confirm handlers on every event name, measuring each event's handle→confirmed latency (ms). */
async function paced(listener: GatewayListener, events: readonly GatewayDispatchPayload[], rate: number): Promise<PacedRun> {
  const sentAt = new Map<unknown, number>();
  const latencies: number[] = [];
  const onConfirmed = (data: unknown): void => {
    const t0 = sentAt.get(data);
    if (t0 === undefined) return;
    latencies.push(now() - t0);
    sentAt.delete(data);
  };
  const names = new Set(events.map((e) => e.t));
  for (const name of names) listener.on(name, onConfirmed, { confirm: true });
  const start = now();
  let i = 0;
  while (i < events.length) {
    if (listener.stats().pending > rate * MAX_BACKLOG_S) break;
    const due = Math.min(events.length, Math.floor(((now() - start) * rate) / 1000) + 1);
    for (; i < due; i++) {
      const event = events[i]!;
      sentAt.set(event.d, now());
      listener.handle(event, 0);
    }
    // Yield to I/O between sends; setImmediate keeps the pacing tight without a timer's 1 ms granularity.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await listener.idle();
  for (const name of names) listener.off(name, onConfirmed);
  if (latencies.length !== i) throw new Error(`confirm run: ${i - latencies.length} of ${i} events were never confirmed`);
  return { latencies, offered: i };
}

/**
 * CPU per event over the throughput blocks, as a note. redis-server runs commands on one thread, so
 * its CPU per event bounds RedisCache's rate whatever Node does: the note gives that bound.
 */
function cpuNote(cpu: { memoryNode: number; redisNode: number; redisServer: number }, events: number): string {
  const per = (micros: number): string => (micros / events).toFixed(1);
  const bound = cpu.redisServer > 0 ? `, which alone bounds it at ${((1e6 * events) / cpu.redisServer / 1000).toFixed(1)}k events/s` : '';
  return `CPU per event: RedisCache Node ${per(cpu.redisNode)} µs and redis-server ${per(cpu.redisServer)} µs${bound}; MemoryCache Node ${per(cpu.memoryNode)} µs`;
}

/** What the throughput runs hand over to the RedisCache confirm run. */
interface StreamRuns {
  readonly mixed: Figure;
  readonly confirmEvents: GatewayDispatchPayload[];
  readonly memoryRun: PacedRun;
}

/**
 * Load the world into both caches, run the throughput blocks, then MemoryCache's confirm run. The
 * dataset, the world and MemoryCache stay in this function: once it returns they are garbage, so
 * RedisCache's confirm run is not measured with the baseline's heap (~100 MB in the full run) to
 * mark in every major GC.
 */
async function streamRuns(context: BenchContext, cache: RedisCache): Promise<StreamRuns> {
  const { sizes } = context;
  context.log(`mixed stream: loading ${sizes.mixedGuilds.length} guilds…`);
  const dataset = buildIngestDataset({ seed: 777, guildSizes: sizes.mixedGuilds });
  const memory = new MemoryCache();
  await memory.open();
  await ingestThroughListener(listenerFor(cache), dataset.guilds, dataset.ready);
  await ingestThroughListener(listenerFor(memory), dataset.guilds, dataset.ready);
  context.log(`mixed stream: ${dataset.memberCount} members loaded; warming up…`);
  const script = new EventScript(dataset.world);
  // Warm-up on both caches (same events, so both stay in step with the world).
  const warm = generate(dataset.world, script, 1_000);
  await handleAll(listenerFor(memory), warm);
  const warmMs = await timed(() => handleAll(listenerFor(cache), warm));

  // Throughput: blocks of events, each applied by both caches in turn, until RedisCache has spent its budget.
  const reps = 3;
  // Blocks of about a quarter of the budget at the warm-up's pace: several per repetition, whatever the speed.
  const block = Math.max(500, Math.min(10_000, Math.round((warm.length / warmMs) * (sizes.mixedBudgetMs / 4))));
  const redisRates: number[] = [];
  const memoryRates: number[] = [];
  const kinds = new Map<string, number>();
  // CPU microseconds over every block: each cache's Node process, and redis-server during RedisCache's.
  const cpu = { memoryNode: 0, redisNode: 0, redisServer: 0 };
  let total = 0;
  for (let rep = 0; rep < reps; rep++) {
    const onMemory = listenerFor(memory);
    const onRedis = listenerFor(cache);
    let events = 0;
    let memoryMs = 0;
    let redisMs = 0;
    await settle();
    while (redisMs < sizes.mixedBudgetMs && events < sizes.mixedMaxEvents) {
      const batch = generate(dataset.world, script, block);
      for (const e of batch) kinds.set(e.t, (kinds.get(e.t) ?? 0) + 1);
      const onMemoryRun = await timedCpu(context.redis, () => handleAll(onMemory, batch));
      memoryMs += onMemoryRun.ms;
      cpu.memoryNode += onMemoryRun.node;
      const onRedisRun = await timedCpu(context.redis, () => handleAll(onRedis, batch));
      redisMs += onRedisRun.ms;
      cpu.redisNode += onRedisRun.node;
      cpu.redisServer += onRedisRun.redis;
      events += batch.length;
    }
    assertClean(onMemory, 'mixed stream (memory)');
    assertClean(onRedis, 'mixed stream');
    total += events;
    redisRates.push(events / (redisMs / 1000));
    memoryRates.push(events / (memoryMs / 1000));
    context.log(
      `mixed rep ${rep + 1}/${reps}: ${redisRates.at(-1)!.toFixed(0)} events/s over ${events} events (MemoryCache ${memoryRates.at(-1)!.toFixed(0)})`,
    );
  }

  if (inspecting(context)) {
    const events = generate(dataset.world, script, 4 * block);
    const onRedis = listenerFor(cache);
    await inspectPass(context, 'mixed', 'event', events.length, () => handleAll(onRedis, events));
    // MemoryCache sees them too, so both stay in step with the world for the confirm run.
    await handleAll(listenerFor(memory), events);
  }

  const confirmEvents = generate(dataset.world, script, Math.round(CONFIRM_RATE * sizes.confirmSeconds));
  context.log(`confirm latency: ${confirmEvents.length} events at ${CONFIRM_RATE}/s, MemoryCache then RedisCache…`);
  await settle();
  const memoryListener = listenerFor(memory);
  const memoryRun = await paced(memoryListener, confirmEvents, CONFIRM_RATE);
  assertClean(memoryListener, 'confirm run (memory)');
  await memory.close();
  const mix = [...kinds.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([t, n]) => `${t} ${((100 * n) / total).toFixed(0)}%`)
    .join(', ');
  const mixed = figure(
    'mixed_events_per_s',
    'mixed event stream applied',
    median(redisRates),
    median(memoryRates),
    'same stream into MemoryCache',
    'events/s',
    `${total} events over ${dataset.guilds.length} guilds (median of ${reps}); ${mix}, …; ${cpuNote(cpu, total)}`,
  );
  return { mixed, confirmEvents, memoryRun };
}

/** Run the mixed-stream figures (resets the store first: the read phases must be done). */
export async function mixedPhase(context: BenchContext, oldPrefixes: readonly string[]): Promise<{ figures: Figure[]; prefixes: string[] }> {
  const { redis } = context;
  await redis.reset(oldPrefixes);
  const prefix = redis.prefix('mixed');
  const cache: RedisCache = await openCache(redis.url, prefix);
  const { mixed, confirmEvents, memoryRun } = await streamRuns(context, cache);
  await settle();
  const redisListener = listenerFor(cache);
  const redisRun = await paced(redisListener, confirmEvents, CONFIRM_RATE);
  assertClean(redisListener, 'confirm run');
  const p50 = percentile(redisRun.latencies, 50);
  const overloaded = (run: PacedRun, name: string): string =>
    run.offered < confirmEvents.length ? `; ${name} OVERLOADED: stopped offering after ${run.offered} events (backlog > ${MAX_BACKLOG_S} s)` : '';
  await cache.close();
  return {
    figures: [
      mixed,
      figure(
        'confirm_p99_ms',
        'confirm latency p99 at 5k ev/s',
        percentile(redisRun.latencies, 99),
        percentile(memoryRun.latencies, 99),
        'same run into MemoryCache',
        'ms',
        `p50 ${p50.toFixed(2)} ms (MemoryCache ${percentile(memoryRun.latencies, 50).toFixed(2)} ms) over ${redisRun.offered} events${overloaded(redisRun, 'RedisCache')}${overloaded(memoryRun, 'MemoryCache')}`,
      ),
    ],
    prefixes: [prefix],
  };
}
