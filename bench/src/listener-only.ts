/**
 * `node bench/dist/listener-only.js [events] [--redis] [--confirm]`: the mixed stream
 * through the listener into MemoryCache — the listener's own cost — or, with
 * `--redis`, into a RedisCache on a private redis-server, for profiling
 * (`node --cpu-prof`) one path without the other in the picture.
 */
import { MemoryCache } from '@sake/memory';
import { EventScript } from '@sake/simulator';
import { buildIngestDataset } from './dataset.js';
import { handleAll, ingestThroughListener, listenerFor, openCache } from './sake.js';
import { now } from './stats.js';
import { BenchRedis } from './store.js';

const args = process.argv.slice(2);
const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 30_000);
const onRedis = args.includes('--redis');
// With --confirm, a confirmed handler on every event (they get old values, as in the confirm-latency run).
const confirm = args.includes('--confirm');
const dataset = buildIngestDataset({ seed: 777, guildSizes: [1000, 1000, 1000, 1000, 1000] });
const redis = onRedis ? await BenchRedis.start(process.env.REDIS_URL) : undefined;
const cache = redis ? await openCache(redis.url, redis.prefix('listener-only')) : new MemoryCache();
if (!redis) await cache.open();
try {
  await ingestThroughListener(listenerFor(cache), dataset.guilds, dataset.ready);
  const script = new EventScript(dataset.world);
  const events = [...script.take(total)].map((e) => e.payload);
  const listener = listenerFor(cache);
  if (confirm) for (const name of new Set(events.map((e) => e.t))) listener.on(name, () => {}, { confirm: true });
  const profile = process.env.SAKE_PROFILE ? new (await import("./profiler.js")).Profiler(process.env.SAKE_PROFILE) : undefined;
  const netIn = async (): Promise<number> => Number(/total_net_input_bytes:(\d+)/.exec(redis ? await redis.admin.info('stats') : '')?.[1] ?? 0);
  const redisCpu = async (): Promise<number> => {
    const info = redis ? await redis.admin.info('cpu') : '';
    return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  };
  // The slow log then holds only this run's commands (a profiling aid: SLOWLOG GET after the run).
  if (redis) await redis.admin.slowlog('RESET');
  const redisCpu0 = await redisCpu();
  const netIn0 = await netIn();
  await (globalThis as { __heapStart?: () => Promise<void> }).__heapStart?.();
  const t0 = now();
  const cpu0 = process.cpuUsage();
  await (profile ? profile.run(onRedis ? "redis" : "memory", () => handleAll(listener, events)) : handleAll(listener, events));
  const ms = now() - t0;
  await (globalThis as { __heapStop?: () => Promise<void> }).__heapStop?.();
  const cpu = process.cpuUsage(cpu0);
  const perEvent = ((cpu.user + cpu.system) / events.length).toFixed(1);
  const redisPerEvent = redis
    ? `, redis-server CPU ${((((await redisCpu()) - redisCpu0) * 1e6) / events.length).toFixed(1)} µs/event, ${(((await netIn()) - netIn0) / events.length).toFixed(0)} bytes sent per event`
    : '';
  console.log(`${events.length} events in ${ms.toFixed(0)} ms: ${((events.length / ms) * 1000).toFixed(0)} events/s, Node CPU ${perEvent} µs/event${redisPerEvent}`, listener.stats());
} finally {
  await cache.close();
  await redis?.stop();
}
