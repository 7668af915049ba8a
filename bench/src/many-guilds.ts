/**
 * `node bench/dist/many-guilds.js [guilds]`: a bot in many small guilds (default 8 000 guilds of 10 members, the bot
 * a member of each, as on a real session's start) ingested through the listener, a quarter at a time: the time per
 * guild of each quarter. A cost that grows with what is already stored (a per-guild write that copies or scans
 * something as large as the cache) shows as a rising figure; a flat one is linear. On a private redis-server (or
 * REDIS_URL's).
 */
import { buildIngestDataset } from './dataset.js';
import { listenerFor, openCache, assertClean } from './sake.js';
import { BenchRedis } from './store.js';

const guilds = Number(process.argv[2] ?? 8_000);
if (!Number.isInteger(guilds) || guilds < 4) throw new TypeError(`many-guilds: the guild count must be a whole number ≥ 4, got ${process.argv[2]}`);
const redis = await BenchRedis.start(process.env.REDIS_URL);
const cache = await openCache(redis.url, redis.prefix('many-guilds'));
try {
  const dataset = buildIngestDataset({ seed: 5, guildSizes: Array.from({ length: guilds }, () => 10) });
  const listener = listenerFor(cache);
  listener.handle(dataset.ready, 0);
  const quarter = Math.floor(guilds / 4);
  for (let q = 0; q < 4; q++) {
    const part = dataset.guilds.slice(q * quarter, q === 3 ? guilds : (q + 1) * quarter);
    const t0 = performance.now();
    for (const guild of part) {
      listener.handle(guild.create, 0);
      for (const chunk of guild.chunks) listener.handle(chunk, 0);
    }
    await listener.idle();
    console.log(`guilds ${q * quarter}–${q * quarter + part.length}: ${(((performance.now() - t0) * 1000) / part.length).toFixed(0)} µs per guild`);
  }
  assertClean(listener, 'many guilds');
} finally {
  await cache.close();
  await redis.stop();
}
