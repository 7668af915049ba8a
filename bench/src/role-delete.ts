/**
 * `node bench/dist/role-delete.js [members]`: what a GUILD_ROLE_DELETE of a widely held role costs in a large
 * guild (default 100 000 members, generated as the bench's guilds are): for the three most held roles, the
 * `removeRole` batch's wall time, Node CPU, and the longest single Redis command it ran (`SLOWLOG`, every
 * command logged) — how long Redis was held from its other clients. On a private redis-server (or REDIS_URL's).
 */
import { mutation } from '@sake/abc';
import { buildIngestDataset } from './dataset.js';
import { ingestThroughListener, listenerFor, openCache } from './sake.js';
import { BenchRedis } from './store.js';

const members = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(members) || members < 1) throw new TypeError(`role-delete: the member count must be a positive whole number, got ${process.argv[2]}`);
const redis = await BenchRedis.start(process.env.REDIS_URL);
const cache = await openCache(redis.url, redis.prefix('role-delete'));
try {
  const dataset = buildIngestDataset({ seed: 3, guildSizes: [members] });
  await ingestThroughListener(listenerFor(cache), dataset.guilds, dataset.ready);
  const guild = dataset.guilds[0]!;
  const held = new Map<string, number>();
  for (const m of guild.members) for (const r of m.roles) held.set(r, (held.get(r) ?? 0) + 1);
  for (const [roleId, holders] of [...held].sort((a, b) => b[1] - a[1]).slice(0, 3)) {
    const slowCalls = await redis.recordSlowCalls(0);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await cache.apply([mutation.removeRole(guild.guildId, roleId)]);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const longest = (await slowCalls())[0]?.ms ?? 0;
    console.log(
      `removeRole of a role held by ${holders} of ${members}: wall ${wallMs.toFixed(0)} ms, Node CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ` +
        `longest Redis command ${longest.toFixed(1)} ms`,
    );
  }
} finally {
  await cache.close();
  await redis.stop();
}
