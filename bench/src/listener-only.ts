/**
 * `node bench/dist/listener-only.js [events] [--redis | --null | --floor] [--confirm] [--profile DIR] [--per-channel N] [--only KIND | --without KIND] [--commands] [--eval]`: the mixed
 * stream through the listener into MemoryCache, or, with `--redis`, into a RedisCache on a private
 * redis-server (or REDIS_URL's), or, with `--null`, into a backend that stores nothing (null-cache.ts:
 * the listener's own cost, the floor under every backend), or, with `--floor`, into one that encodes each
 * batch with RedisCache's codec and sends it as one no-op script call (floor-cache.ts: the Node floor of
 * a write path that only encodes and sends). Prints the ingest of the 5 guilds first
 * (members/s and Node CPU per member; into the null cache a second, warm pass too), then the stream:
 * Node CPU per event (GC and libuv threads included) and, on Redis, redis-server CPU and the bytes
 * sent per event. With `--confirm` a confirmed handler listens to every event (they get old values,
 * as in the confirm-latency run); with `--profile` the stream is written to `DIR/redis.cpuprofile`
 * (or `memory.cpuprofile`, `null.cpuprofile`). The slow log is reset just before the stream, so
 * `SLOWLOG GET` afterwards holds only its commands. `--per-channel N` sets the listener's message
 * limit (default 100, which the stream never reaches: a smaller one makes channels evict), and
 * `--only KIND` keeps one kind of step of the stream (`messageCreate`, `presenceUpdate`…; one that
 * acts on messages keeps `messageCreate` beside it, or it would find none); `--without KIND` drops one kind
 * from the mix (`--without channelDelete`: no translator reads, so batches grow to the listener's limit). `--commands` (on Redis)
 * prints the commands per event by name, those run inside scripts included (INFO commandstats);
 * `--eval` runs RedisCache's scripts with EVALSHA instead of its function library.
 */
import type { UserEntity } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { EventScript } from '@sake/simulator';
import { buildIngestDataset } from './dataset.js';
import { Redis } from 'ioredis';
import { floorCache } from './floor-cache.js';
import { nullCache } from './null-cache.js';
import { streamWeights } from './only.js';
import { Profiler } from './profiler.js';
import { handleAll, ingestThroughListener, listenerFor, openCache } from './sake.js';
import { now } from './stats.js';
import { BenchRedis } from './store.js';

const args = process.argv.slice(2);
const profileAt = args.indexOf('--profile');
const profiler = profileAt >= 0 ? new Profiler(args[profileAt + 1]!) : undefined;
const total = Number(args.find((a, i) => /^\d+$/.test(a) && !['--profile', '--per-channel'].includes(args[i - 1] ?? '')) ?? 30_000);
const onRedis = args.includes('--redis');
const confirm = args.includes('--confirm');
const toNull = args.includes('--null');
const toFloor = args.includes('--floor');
if ([toNull, onRedis, toFloor].filter(Boolean).length > 1) throw new TypeError('listener-only: --null, --redis and --floor exclude each other');
const perChannelAt = args.indexOf('--per-channel');
const perChannel = perChannelAt >= 0 ? Number(args[perChannelAt + 1]) : undefined;
if (perChannel !== undefined && !(Number.isInteger(perChannel) && perChannel > 0)) throw new TypeError('listener-only: --per-channel takes a whole number ≥ 1');
const weights = streamWeights(args, 'listener-only');
const rules = perChannel === undefined ? {} : { messages: { perChannel } };
const dataset = buildIngestDataset({ seed: 777, guildSizes: [1000, 1000, 1000, 1000, 1000] });
const redis = onRedis || toFloor ? await BenchRedis.start(process.env.REDIS_URL) : undefined;
const cache =
  onRedis && redis ? await openCache(redis.url, redis.prefix('listener-only'), !args.includes('--eval')) : toNull || toFloor ? undefined : new MemoryCache();
if (cache instanceof MemoryCache) await cache.open();
const me = (dataset.ready.d as { user: UserEntity }).user;
const floorClient = toFloor && redis ? new Redis(redis.url) : undefined;
const target = cache ?? (floorClient ? floorCache(floorClient, me) : nullCache(me));
try {
  // Into the null cache the ingest can run again warm (nothing is stored): the listener's own cost per member.
  for (const pass of toNull ? ['cold', 'warm'] : ['cold']) {
    const t0 = now();
    const cpu0 = process.cpuUsage();
    await ingestThroughListener(listenerFor(target, rules), dataset.guilds, dataset.ready);
    const ms = now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const n = dataset.memberCount;
    console.log(`ingest of ${n} members (${pass}): ${((n / ms) * 1000).toFixed(0)} members/s, Node CPU ${((cpu.user + cpu.system) / n).toFixed(1)} µs/member`);
  }
  const events = new EventScript(dataset.world, weights).take(total).map((e) => e.payload);
  const listener = listenerFor(target, rules);
  if (confirm) for (const name of new Set(events.map((e) => e.t))) listener.on(name, () => {}, { confirm: true });
  if (redis) await redis.admin.slowlog('RESET');
  const redis0 = redis ? { cpu: await redis.cpuSeconds(), bytes: await redis.inputBytes(), calls: await redis.commandCalls() } : undefined;
  const t0 = now();
  const cpu0 = process.cpuUsage();
  const run = (): Promise<void> => handleAll(listener, events);
  await (profiler ? profiler.run(toFloor ? 'floor' : redis ? 'redis' : toNull ? 'null' : 'memory', run) : run());
  const ms = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const perEvent = ((cpu.user + cpu.system) / events.length).toFixed(1);
  const onServer =
    redis && redis0
      ? `, redis-server CPU ${((((await redis.cpuSeconds()) - redis0.cpu) * 1e6) / events.length).toFixed(1)} µs/event, ` +
        `${(((await redis.inputBytes()) - redis0.bytes) / events.length).toFixed(0)} bytes sent per event`
      : '';
  console.log(
    `${events.length} events in ${ms.toFixed(0)} ms: ${((events.length / ms) * 1000).toFixed(0)} events/s, Node CPU ${perEvent} µs/event${onServer}`,
    listener.stats(),
  );
  if (redis && redis0 && args.includes('--commands')) {
    // Commands per event, those run inside scripts included: where a script's redis.call()s go.
    const calls = [...(await redis.commandCalls())].map(([name, n]) => [name, n - (redis0.calls.get(name) ?? 0)] as const).filter(([, n]) => n > 0);
    calls.sort((a, b) => b[1] - a[1]);
    console.log(calls.map(([name, n]) => `${name} ${(n / events.length).toFixed(2)}`).join(', '), '(calls per event)');
  }
} finally {
  await cache?.close();
  floorClient?.disconnect();
  await redis?.stop();
}
