/**
 * `node bench/dist/kinds.js [kind,kind…] [--profile DIR]`: what each event kind of the mixed stream
 * costs. After a mixed warm-up, a run of one kind at a time goes through the listener into RedisCache
 * (on a private redis-server, or REDIS_URL's) and into MemoryCache; per event it prints Node CPU
 * (`process.cpuUsage`, GC and libuv threads included), redis-server CPU (INFO cpu), wall time, the
 * MemoryCache CPU, and the kind's share of the mix's total CPU (its weight in the mix × its cost).
 * Runs of one kind batch better than the mix does, so the absolute figures are lower than
 * `bench --only mixed` shows; the ranking is what it is for: which kinds to work on.
 */
import { MemoryCache } from '@sake/memory';
import { DEFAULT_EVENT_WEIGHTS, EventScript, type ScriptEventKind } from '@sake/simulator';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { buildIngestDataset } from './dataset.js';
import { Profiler } from './profiler.js';
import { handleAll, ingestThroughListener, listenerFor, openCache } from './sake.js';
import { BenchRedis } from './store.js';

const args = process.argv.slice(2);
const profileAt = args.indexOf('--profile');
const profiler = profileAt >= 0 ? new Profiler(args[profileAt + 1]!) : undefined;
const allKinds = Object.keys(DEFAULT_EVENT_WEIGHTS) as ScriptEventKind[];
const chosen = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--profile');
const kinds = chosen ? (chosen.split(',') as ScriptEventKind[]) : allKinds;
for (const kind of kinds) if (!allKinds.includes(kind)) throw new TypeError(`unknown event kind ${kind} (one of ${allKinds.join(', ')})`);

const redis = await BenchRedis.start(process.env.REDIS_URL);
const dataset = buildIngestDataset({ seed: 777, guildSizes: [1000, 1000, 1000, 1000, 1000] });
const cache = await openCache(redis.url, redis.prefix('kinds'));
const memory = new MemoryCache();
await memory.open();
try {
  await ingestThroughListener(listenerFor(cache), dataset.guilds, dataset.ready);
  await ingestThroughListener(listenerFor(memory), dataset.guilds, dataset.ready);
  const mixed = new EventScript(dataset.world);
  // The mix first, so there are messages to edit, reactions to remove, members to update.
  const warm = mixed.take(5_000).map((e) => e.payload);
  await handleAll(listenerFor(cache), warm);
  await handleAll(listenerFor(memory), warm);
  const weightSum = Object.values(DEFAULT_EVENT_WEIGHTS).reduce((a, b) => a + b, 0);
  const guildIds = [...dataset.world.guilds.keys()];
  const rows: Array<[ScriptEventKind, number]> = [];
  for (const kind of kinds) {
    const want = DEFAULT_EVENT_WEIGHTS[kind] >= 2 ? 3_000 : 300;
    const events: GatewayDispatchPayload[] = [];
    const script = new EventScript(dataset.world);
    // A step whose preconditions fail gives nothing: bounded tries, so a kind that can't happen now ends.
    for (let tries = 0; tries < 4 * want && events.length < want; tries++) {
      const event = script.step(kind, guildIds[tries % guildIds.length]!);
      if (event) events.push(event.payload);
    }
    if (events.length === 0) {
      console.log(`${kind.padEnd(20)} (no event possible now)`);
      continue;
    }
    const n = events.length;
    const cpu0 = process.cpuUsage();
    const redis0 = await redis.cpuSeconds();
    const t0 = performance.now();
    const run = (): Promise<void> => handleAll(listenerFor(cache), events);
    await (profiler ? profiler.run(kind, run) : run());
    const wallUs = ((performance.now() - t0) * 1000) / n;
    const cpu = process.cpuUsage(cpu0);
    const redisUs = (((await redis.cpuSeconds()) - redis0) * 1e6) / n;
    const memory0 = process.cpuUsage();
    await handleAll(listenerFor(memory), events);
    const memoryCpu = process.cpuUsage(memory0);
    // Messages again for the kinds that follow (deletes and evictions use them up).
    const refill = mixed.take(300).map((e) => e.payload);
    await handleAll(listenerFor(cache), refill);
    await handleAll(listenerFor(memory), refill);
    const nodeUs = (cpu.user + cpu.system) / n;
    const share = (DEFAULT_EVENT_WEIGHTS[kind] / weightSum) * (nodeUs + redisUs);
    rows.push([kind, share]);
    console.log(
      `${kind.padEnd(20)} node ${nodeUs.toFixed(0).padStart(5)} µs  redis-server ${redisUs.toFixed(0).padStart(4)} µs  wall ${wallUs.toFixed(0).padStart(5)} µs  ` +
        `MemoryCache ${((memoryCpu.user + memoryCpu.system) / n).toFixed(0).padStart(4)} µs  (${n} events)`,
    );
  }
  const total = rows.reduce((a, [, s]) => a + s, 0);
  console.log(`\nshare of the mix's CPU (node + redis-server, weighted by the mix): ${total.toFixed(0)} µs per mixed event`);
  for (const [kind, share] of rows.sort((a, b) => b[1] - a[1])) console.log(`  ${kind.padEnd(20)} ${((100 * share) / total).toFixed(1).padStart(5)} %`);
} finally {
  await cache.close();
  await memory.close();
  await redis.stop();
}
