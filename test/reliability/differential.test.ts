// Differential, model-based: fast-check chooses sequences of gateway events (built from the
// simulator's world, so ids are coherent), the same dispatches go through a GatewayListener into
// MemoryCache (the reference semantics), RedisCache on one node and RedisCache on the 3-master
// cluster, and afterwards every cache must show identical contents through the whole public read
// API (every iter…, iter…For, len() and get…), and the confirmed handlers must have seen the same
// old values. Seeded: the seed is printed; a failure prints the seed and shrunk path to replay:
//   SAKE_FC_SEED=<seed> SAKE_FC_PATH=<path> npx vitest run test/reliability/differential.test.ts
// SAKE_FC_RUNS overrides the run count (default kept small for CI).
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Backend } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { RedisCache } from '@sake/redis';
import { ModelDriver, scenarioArbitrary, smallWorld, type Scenario } from './support/model.js';
import { feed, recordingListener, recordingLogger, uniquePrefix } from './support/feed.js';
import { firstDifferences, snapshots } from './support/snapshot.js';

const MESSAGES_PER_CHANNEL = 4;
const RUNS = Number(process.env.SAKE_FC_RUNS ?? 25);
const MAX_STEPS = 40;
const SEED = process.env.SAKE_FC_SEED !== undefined ? Number(process.env.SAKE_FC_SEED) : 0x5a4e;
const PATH = process.env.SAKE_FC_PATH;

const clusterNodes = (): { host: string; port: number }[] =>
  inject('redisClusterNodes').map((n) => {
    const [host, port] = n.split(':');
    return { host: host!, port: Number(port) };
  });

const totals = { runs: 0, events: 0, malformed: 0, failed: 0 };
afterAll(() => {
  console.log(
    `[differential] seed ${SEED}: ${totals.runs} sequences, ${totals.events} events applied to each of 3 backends, malformed ${totals.malformed}, failed writes ${totals.failed}`,
  );
});

/** Apply one scenario to the three backends and compare them. */
async function check(scenario: Scenario): Promise<void> {
  const memory = new MemoryCache();
  const single = new RedisCache(inject('redisUrl'), { prefix: uniquePrefix('diff'), sweepIntervalMs: 0, userBuckets: 8 });
  const cluster = new RedisCache({ clusterNodes: clusterNodes() }, { prefix: uniquePrefix('diffc'), sweepIntervalMs: 0, userBuckets: 8 });
  const caches: Backend[] = [memory, single, cluster];
  await Promise.all(caches.map((c) => c.open()));
  try {
    const driver = new ModelDriver(smallWorld(scenario.worldSeed, MESSAGES_PER_CHANNEL));
    const events = [...driver.start(), ...scenario.steps.flatMap((s) => driver.events(s))];
    const loggers = caches.map(() => recordingLogger());
    const fed = caches.map((c, i) => recordingListener(c, { messages: { perChannel: MESSAGES_PER_CHANNEL } }, loggers[i]));
    await feed(
      fed.map((f) => f.listener),
      events,
    );
    const stats = fed.map((f) => f.listener.stats());
    totals.runs++;
    totals.events += stats[0]!.applied;
    totals.malformed += stats.reduce((n, s) => n + s.malformed, 0);
    totals.failed += stats.reduce((n, s) => n + s.failed, 0);
    // Every generated event is well formed and every backend is up: nothing may be skipped or fail.
    for (const [i, s] of stats.entries()) {
      expect({ malformed: s.malformed, failed: s.failed, errors: loggers[i]!.errors, warnings: loggers[i]!.warnings }, `listener ${i} stats`).toEqual({
        malformed: 0,
        failed: 0,
        errors: [],
        warnings: [],
      });
    }
    const t0 = Date.now();
    const [ref, ...others] = await snapshots(caches, { guilds: new Set(driver.world.guilds.keys()) });
    if (process.env.SAKE_DEBUG) console.log(`snap ${Date.now() - t0} ms, events ${events.length}`);
    for (const [i, other] of others.entries()) {
      const name = i === 0 ? 'RedisCache (single node)' : 'RedisCache (cluster)';
      const diff = firstDifferences(ref!, other);
      expect(diff, `${name} differs from MemoryCache`).toEqual([]);
      expect(fed[i + 1]!.confirmed, `${name}: old values given to confirmed handlers`).toEqual(fed[0]!.confirmed);
    }
  } finally {
    await Promise.all(caches.map((c) => c.close()));
  }
}

describe('differential: MemoryCache vs RedisCache (single node and cluster)', () => {
  it(`identical contents after random event sequences (${RUNS} runs, seed ${SEED})`, { timeout: 60_000 }, async () => {
    console.log(`[differential] fast-check seed ${SEED}${PATH ? ` path ${PATH}` : ''}, ${RUNS} runs`);
    try {
      await fc.assert(
        fc.asyncProperty(scenarioArbitrary(MAX_STEPS), (scenario) => check(scenario)),
        { seed: SEED, numRuns: RUNS, ...(PATH ? { path: PATH } : {}), interruptAfterTimeLimit: 50_000, markInterruptAsFailure: false },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const found = /seed: (-?\d+), path: "([^"]*)"/.exec(message);
      const replay = found ? `SAKE_FC_SEED=${found[1]} SAKE_FC_PATH=${found[2]} npx vitest run test/reliability/differential.test.ts` : `SAKE_FC_SEED=${SEED}`;
      console.error(`[differential] FAILED — replay with: ${replay}`);
      throw new Error(`differential test failed; replay with: ${replay}\n${message}`, { cause: error });
    }
  });
});
