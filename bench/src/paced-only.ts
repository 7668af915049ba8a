/**
 * `node bench/dist/paced-only.js [events] [--rate N] [--warm N] [--memory] [--full] [--timer] [--profile DIR] [--only KIND | --without KIND] [--eval]`: the
 * confirm-latency run alone — the mixed stream offered at 5k (or N) events/s with confirm handlers on every event —
 * into a RedisCache on a private redis-server (or MemoryCache), printing the latency percentiles, the listener's
 * batching, the socket writes per batch and the percentiles per half second (a backlog shows as a run of slow
 * windows): for whoever works on `confirm_p99_ms`. `--warm N` first applies N events untimed (default 5000), as the
 * bench's confirm run comes after its throughput runs: without it the first second measures the JIT. `--full` uses
 * the full bench's mixed-stream world (11 guilds, 16k members) instead of 5 guilds of 1000; `--only KIND` offers one kind
 * of event, `--without KIND` the mix without one, and `--eval` runs RedisCache's scripts with EVALSHA (as
 * listener-only.js does).
 */
import { MemoryCache } from '@sake/memory';
import { EventScript } from '@sake/simulator';
import { FULL } from './context.js';
import { buildIngestDataset } from './dataset.js';
import { handleAll, ingestThroughListener, listenerFor, openCache, scriptOfFunction } from './sake.js';
import { streamWeights } from './only.js';
import { Profiler } from './profiler.js';
import { now, percentile } from './stats.js';
import { BenchRedis } from './store.js';

/** The parts of an ioredis client this tool taps (not public API: a diagnostic only). */
interface RedisClientInternals {
  sendCommand?: (command: { name: string; args?: unknown[] }) => unknown;
  scriptsSet?: Record<string, { sha: string }>;
}

const args = process.argv.slice(2);
const valued = new Set(['--rate', '--profile', '--warm', '--only', '--without']);
const total = Number(args.find((a, i) => /^\d+$/.test(a) && !valued.has(args[i - 1]!)) ?? 15_000);
const warmArg = args.indexOf('--warm');
const warmCount = warmArg >= 0 ? Number(args[warmArg + 1]) : 5_000;
if (!Number.isInteger(warmCount) || warmCount < 0) throw new TypeError(`paced-only: --warm must be a whole number of events, got ${args[warmArg + 1]}`);
const rateArg = args.indexOf('--rate');
const rate = rateArg >= 0 ? Number(args[rateArg + 1]) : 5_000;
if (!(rate > 0) || !(total > 0))
  throw new TypeError(`paced-only: --rate and the event count must be positive numbers, got rate ${args[rateArg + 1]} and count ${total}`);
const onMemory = args.includes('--memory');
// The bench's producer spins on setImmediate (tight pacing, but a busy core); --timer hands events over every ~1 ms instead.
const timerPaced = args.includes('--timer');
const profileAt = args.indexOf('--profile');
const profiler = profileAt >= 0 ? new Profiler(args[profileAt + 1]!) : undefined;
const weights = streamWeights(args, 'paced-only');
const dataset = buildIngestDataset({ seed: 777, guildSizes: args.includes('--full') ? FULL.mixedGuilds : [1000, 1000, 1000, 1000, 1000] });
const redis = onMemory ? undefined : await BenchRedis.start(process.env.REDIS_URL);
const cache = redis ? await openCache(redis.url, redis.prefix('paced-only'), !args.includes('--eval')) : new MemoryCache();
if (!redis) await cache.open();
try {
  await ingestThroughListener(listenerFor(cache), dataset.guilds, dataset.ready);
  const script = new EventScript(dataset.world, weights);
  if (warmCount > 0)
    await handleAll(
      listenerFor(cache),
      [...script.take(warmCount)].map((e) => e.payload),
    );
  const events = [...script.take(total)].map((e) => e.payload);
  const listener = listenerFor(cache);
  const sentAt = new Map<unknown, number>();
  const latencies: Array<[at: number, ms: number, t: string]> = [];
  const start = now();
  for (const name of new Set(events.map((e) => e.t))) {
    listener.on(
      name,
      (data: unknown) => {
        const t0 = sentAt.get(data);
        if (t0 !== undefined) latencies.push([t0 - start, now() - t0, name]);
      },
      { confirm: true },
    );
  }
  // Socket writes of the cache's connection (each a syscall, the dominant per-batch cost on a small VM).
  let socketWrites = 0;
  const stream = (cache as { client?: { stream?: { _writev?: (...a: unknown[]) => unknown; _write?: (...a: unknown[]) => unknown } } }).client?.stream;
  for (const method of ['_writev', '_write'] as const) {
    const original = stream?.[method];
    if (stream && original) {
      stream[method] = (...a: unknown[]) => {
        socketWrites++;
        return original.apply(stream, a);
      };
    }
  }
  // Redis commands per event, scripts by name: what a batch costs in round-trip work.
  const counts = new Map<string, number>();
  const client = (cache as unknown as { client?: RedisClientInternals }).client;
  if (client?.sendCommand) {
    const scriptNames = new Map(Object.entries(client.scriptsSet ?? {}).map(([name, script]) => [script.sha, name]));
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command) => {
      const name =
        command.name === 'evalsha'
          ? (scriptNames.get(String(command.args?.[0])) ?? 'evalsha')
          : command.name.toLowerCase() === 'fcall'
            ? scriptOfFunction(String(command.args?.[0]))
            : command.name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return send(command);
    };
  }
  const redisCpu0 = await redis?.cpuSeconds();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const offer = async (): Promise<void> => {
    let i = 0;
    while (i < events.length) {
      const due = Math.min(events.length, Math.floor(((now() - start) * rate) / 1000) + 1);
      for (; i < due; i++) {
        sentAt.set(events[i]!.d, now());
        listener.handle(events[i]!, 0);
      }
      await new Promise<void>((resolve) => (timerPaced ? setTimeout(resolve, 1) : setImmediate(resolve)));
    }
    await listener.idle();
  };
  await (profiler ? profiler.run('paced', offer) : offer());
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const redisCpu =
    redis && redisCpu0 !== undefined ? `, redis-server CPU ${((((await redis.cpuSeconds()) - redisCpu0) * 1e6) / events.length).toFixed(1)} µs/event` : '';
  const ms = latencies.map((l) => l[1]);
  const stats = listener.stats();
  console.log(
    `${events.length} events at ${rate}/s: p50 ${percentile(ms, 50).toFixed(2)} ms, p90 ${percentile(ms, 90).toFixed(2)}, p99 ${percentile(ms, 99).toFixed(2)}, max ${Math.max(...ms).toFixed(1)}; ` +
      `${stats.batches} batches (${(events.length / stats.batches).toFixed(1)} events each); Node CPU ${((cpu.user + cpu.system) / events.length).toFixed(1)} µs/event (event loop busy ${(100 * elu.utilization).toFixed(0)}%, the producer's spinning included)${redisCpu}; ${(socketWrites / stats.batches).toFixed(1)} socket writes per batch`,
  );
  console.log(
    `  commands per event: ${[...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([n, c]) => `${n} ${(c / events.length).toFixed(2)}`)
      .join(', ')}`,
  );
  // Percentiles per half second of offering: a backlog shows as a run of slow windows.
  const windows: string[] = [];
  for (let from = 0; from < (events.length / rate) * 1000; from += 500) {
    const inWindow = latencies.filter(([at]) => at >= from && at < from + 500).map(([, l]) => l);
    if (inWindow.length > 0) windows.push(`${(from / 1000).toFixed(1)}s ${percentile(inWindow, 50).toFixed(1)}/${percentile(inWindow, 99).toFixed(1)}`);
  }
  console.log(`  p50/p99 ms per half second: ${windows.join(', ')}`);
  // The slowest events and what they were.
  const slow = [...latencies].sort((a, b) => b[1] - a[1]).slice(0, 8);
  for (const [at, l, t] of slow) console.log(`  ${l.toFixed(1)} ms  ${t} at ${at.toFixed(0)} ms`);
} finally {
  await cache.close();
  await redis?.stop();
}
