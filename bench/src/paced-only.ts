/**
 * `node bench/dist/paced-only.js [events] [--memory]`: the confirm-latency run alone (the mixed stream offered at
 * 5k events/s with confirm handlers on every event) into a RedisCache on a private redis-server, printing the
 * latency percentiles and the listener's batching — for whoever works on `confirm_p99_ms`.
 */
import { MemoryCache } from '@sake/memory';
import { EventScript } from '@sake/simulator';
import { buildIngestDataset } from './dataset.js';
import { ingestThroughListener, listenerFor, openCache } from './sake.js';
import { now, percentile } from './stats.js';
import { BenchRedis } from './store.js';

const args = process.argv.slice(2);
const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 15_000);
const rate = 5_000;
const onMemory = args.includes('--memory');
const dataset = buildIngestDataset({ seed: 777, guildSizes: [1000, 1000, 1000, 1000, 1000] });
const redis = onMemory ? undefined : await BenchRedis.start(process.env.REDIS_URL);
const cache = redis ? await openCache(redis.url, redis.prefix('paced-only')) : new MemoryCache();
if (!redis) await cache.open();
try {
  await ingestThroughListener(listenerFor(cache), dataset.guilds, dataset.ready);
  const events = [...new EventScript(dataset.world).take(total)].map((e) => e.payload);
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
  const cpu0 = process.cpuUsage();
  let i = 0;
  while (i < events.length) {
    const due = Math.min(events.length, Math.floor(((now() - start) * rate) / 1000) + 1);
    for (; i < due; i++) {
      sentAt.set(events[i]!.d, now());
      listener.handle(events[i]!, 0);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await listener.idle();
  const cpu = process.cpuUsage(cpu0);
  const ms = latencies.map((l) => l[1]);
  const stats = listener.stats();
  console.log(
    `${events.length} events at ${rate}/s: p50 ${percentile(ms, 50).toFixed(2)} ms, p90 ${percentile(ms, 90).toFixed(2)}, p99 ${percentile(ms, 99).toFixed(2)}, max ${Math.max(...ms).toFixed(1)}; ` +
      `${stats.batches} batches (${(events.length / stats.batches).toFixed(1)} events each); Node CPU ${((cpu.user + cpu.system) / events.length).toFixed(1)} µs/event`,
  );
  // The slowest events and what they were.
  const slow = [...latencies].sort((a, b) => b[1] - a[1]).slice(0, 8);
  for (const [at, l, t] of slow) console.log(`  ${l.toFixed(1)} ms  ${t} at ${at.toFixed(0)} ms`);
} finally {
  await cache.close();
  await redis?.stop();
}
