// Several shard processes writing one store: 4 child processes (test/reliability/fixtures/
// shard-worker.mjs, on the built dist packages), each the listener of its shard's guilds
// ((guild_id >> 22) % 4), write one Redis concurrently (single node, then the cluster), then one
// PostgreSQL schema, with users shared across guilds of different shards. The end state equals one
// MemoryCache fed every event.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MemoryCache } from '@sake/memory';
import type { Backend } from '@sake/abc';
import { PostgresCache } from '@sake/postgres';
import { RedisCache } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';
import { recordingLogger, uniquePrefix } from './support/feed.js';
import { firstDifferences, snapshots } from './support/snapshot.js';
// @ts-expect-error: a plain ESM fixture shared with the child processes (no types).
import { scenario } from './fixtures/scenario.mjs';

const WORKER = fileURLToPath(new URL('./fixtures/shard-worker.mjs', import.meta.url));
const SHARDS = 4;
const CONFIG = { seed: 44, guilds: 12, events: 6_000, messagesPerChannel: 30 };
const totals = { processes: 0, events: 0 };
afterAll(() => console.log(`[shards] ${totals.processes} shard processes, ${totals.events} events applied in them`));

interface WorkerResult {
  shardId: number;
  stats: { applied: number; failed: number; malformed: number; received: number };
  guilds: number;
  problems: string[];
}

function runWorker(config: Record<string, unknown>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`shard ${String(config.shardId)} exited with ${code ?? signal}: ${out}${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as WorkerResult);
    });
  });
}

async function reference(): Promise<MemoryCache> {
  const cache = new MemoryCache();
  await cache.open();
  // eslint-disable-next-line @typescript-eslint/no-unsafe-call -- scenario.mjs is a plain ESM fixture without types (see its import)
  const { world, events } = scenario(CONFIG) as { world: { me: unknown; initialGuilds: string[] }; events: { payload: unknown }[] };
  const listener = new GatewayListener(cache, { messages: { perChannel: CONFIG.messagesPerChannel } }, { logger: recordingLogger() });
  listener.handle(
    {
      op: 0,
      s: 1,
      t: 'READY',
      d: {
        v: 10,
        user: world.me,
        guilds: world.initialGuilds.map((id) => ({ id, unavailable: true })),
        session_id: 'one',
        resume_gateway_url: 'ws://127.0.0.1:1',
        application: { id: '1', flags: 0 },
      },
    } as never,
    0,
  );
  // One process, one guild at a time in stream order: the well-defined end state.
  for (const { payload } of events) {
    listener.handle(payload as never, 0);
    await listener.idle();
  }
  expect(listener.stats()).toMatchObject({ failed: 0, malformed: 0 });
  return cache;
}

const clusterTarget = () => ({ clusterNodes: inject('redisClusterNodes').map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })) });

/** A store the shards write: the workers' config for it, and a cache that reads it afterwards. */
interface Store {
  worker(tag: string): Record<string, unknown>;
  reader(config: Record<string, unknown>): Backend;
}

const redisStore = (target: () => unknown): Store => ({
  worker: (tag) => ({ prefix: uniquePrefix(`shards-${tag}`), target: target() }),
  reader: (config) => new RedisCache(target() as never, { prefix: config.prefix as string, sweepIntervalMs: 0 }),
});

const postgresStore: Store = {
  worker: (tag) => ({ backend: 'postgres', schema: uniquePrefix(`shards_${tag}`).replace(/[^A-Za-z0-9_]/g, '_'), target: inject('pgUrl') }),
  reader: (config) => new PostgresCache(inject('pgUrl'), { schema: config.schema as string, sweepIntervalMs: 0 }),
};

describe('four shard processes writing one store', () => {
  for (const [name, store] of [
    ['Redis single node', redisStore(() => inject('redisUrl'))],
    ['Redis cluster', redisStore(clusterTarget)],
    ['PostgreSQL', postgresStore],
  ] as const) {
    it(`${name}: the end state equals one MemoryCache fed every event`, { timeout: 60_000 }, async () => {
      const where = store.worker(name === 'Redis cluster' ? 'c' : name === 'PostgreSQL' ? 'p' : 's');
      const results = await Promise.all(Array.from({ length: SHARDS }, (_, shardId) => runWorker({ ...CONFIG, shardId, shardCount: SHARDS, ...where })));
      totals.processes += results.length;
      for (const r of results) {
        expect(r.problems).toEqual([]);
        expect(r.stats.failed).toBe(0);
        totals.events += r.stats.applied;
      }
      // Every shard had guilds, so the processes really shared the store (and users).
      expect(results.filter((r) => r.guilds > 0).length).toBeGreaterThanOrEqual(3);
      const cache = store.reader(where);
      await cache.open();
      const memory = await reference();
      try {
        const [ref, got] = await snapshots([memory, cache]);
        expect(firstDifferences(ref!, got!, 10)).toEqual([]);
        expect(ref!.all.members!.len).toBeGreaterThan(200);
      } finally {
        await cache.close();
        await memory.close();
      }
    });
  }
});
