/**
 * `node bench/dist/long-calls.js [--members N] [--guilds N] [--batch N,N…]`: one guild of `--members`
 * (default 100 000) beside three of 2 000 — or, with `--guilds`, that many guilds of `--members`, as in
 * a bot's startup burst — ingested through the listener, once per `maxBatchMutations` in `--batch`
 * (default the listener's own), twice each: members/s, CPU per member on both sides, and the longest
 * Redis calls from `SLOWLOG` with their command names. Redis serves nobody else while a script runs:
 * this is what another client (another shard, a dashboard) waits for during an ingest. The longest
 * plain (script-free) command is printed too: on a machine Redis shares with this process, that is
 * how long the scheduler kept Redis off a core, the floor under every call. On a private
 * redis-server only (it changes the slow-log settings).
 */
import { parseArgs } from 'node:util';
import { GatewayListener } from '@sake/gateway';
import { buildIngestDataset } from './dataset.js';
import { assertClean, benchLogger, commandName, isScriptCall, openCache } from './sake.js';
import { now } from './stats.js';
import { BenchRedis } from './store.js';

const { values } = parseArgs({
  options: { members: { type: 'string', default: '100000' }, guilds: { type: 'string' }, batch: { type: 'string' } },
});
const members = Number(values.members);
const guilds = values.guilds === undefined ? undefined : Number(values.guilds);
if (!Number.isInteger(members) || members < 1) throw new TypeError(`long-calls: --members must be a whole number ≥ 1, got ${values.members}`);
if (guilds !== undefined && (!Number.isInteger(guilds) || guilds < 1))
  throw new TypeError(`long-calls: --guilds must be a whole number ≥ 1, got ${values.guilds}`);
const settings: Array<number | undefined> = values.batch === undefined ? [undefined] : values.batch.split(',').map(Number);
for (const s of settings)
  if (s !== undefined && (!Number.isInteger(s) || s < 1)) throw new TypeError(`long-calls: --batch must be whole numbers ≥ 1, got ${values.batch}`);

const dataset = buildIngestDataset({
  seed: 5,
  guildSizes: guilds === undefined ? [members, 2_000, 2_000, 2_000] : Array.from({ length: guilds }, () => members),
});
const redis = await BenchRedis.start(undefined);
try {
  for (let rep = 0; rep < 2; rep++) {
    for (const maxBatchMutations of settings) {
      const cache = await openCache(redis.url, redis.prefix(`long-calls-${rep}-${maxBatchMutations ?? 'default'}`));
      const listener = new GatewayListener(cache, {}, { logger: benchLogger, ...(maxBatchMutations === undefined ? {} : { maxBatchMutations }) });
      const slowCalls = await redis.recordSlowCalls(1000);
      const redis0 = await redis.cpuSeconds();
      const cpu0 = process.cpuUsage();
      const t0 = now();
      listener.handle(dataset.ready, 0);
      for (const guild of dataset.guilds) {
        listener.handle(guild.create, 0);
        for (const chunk of guild.chunks) listener.handle(chunk, 0);
      }
      await listener.idle();
      const ms = now() - t0;
      assertClean(listener, 'long calls');
      const cpu = process.cpuUsage(cpu0);
      const redisUs = ((await redis.cpuSeconds()) - redis0) * 1e6;
      const slow = await slowCalls();
      // A plain command is a few fields: its time is the scheduler's, the floor under every call.
      const plain = slow.find((c) => !isScriptCall(c.args));
      const n = dataset.memberCount;
      console.log(
        `maxBatchMutations ${maxBatchMutations ?? 'default'}: ${((n / ms) * 1000).toFixed(0)} members/s, Node ${((cpu.user + cpu.system) / n).toFixed(1)} µs/member, ` +
          `redis-server ${(redisUs / n).toFixed(1)} µs/member; ${slow.length} calls over 1 ms, longest: ` +
          slow
            .slice(0, 4)
            .map((c) => `${c.ms.toFixed(1)} ms (${commandName(c.args, cache)})`)
            .join(', ') +
          `; longest plain command ${plain ? `${plain.ms.toFixed(1)} ms (${commandName(plain.args, cache)})` : 'under 1 ms'}`,
      );
      await cache.close();
      await redis.admin.flushdb();
    }
  }
} finally {
  await redis.stop();
}
