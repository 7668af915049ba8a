/**
 * The store's ceiling: pipelined HSET throughput of the same Redis from Node
 * (ioredis pipelines of 64 commands, several in flight on a few connections),
 * beside what `redis-benchmark -P 64` itself measures when it is installed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchContext } from '../context.js';
import { figure, type Figure } from '../figures.js';
import { median, settle, timed } from '../stats.js';

const run = promisify(execFile);
const PIPELINE = 64;
const CONNECTIONS = 4;
const IN_FLIGHT = 8;
/** Fields spread over the ceiling hash (redis-benchmark's `-r`). */
const KEYSPACE = 100_000;

/** HSETs per second from Node. */
async function fromNode(context: BenchContext, key: string, ops: number): Promise<number> {
  const clients = Array.from({ length: CONNECTIONS }, () => context.redis.connect());
  try {
    await Promise.all(clients.map((c) => c.ping()));
    const perClient = Math.ceil(ops / CONNECTIONS / PIPELINE);
    const ms = await timed(() =>
      Promise.all(
        clients.map(async (client, c) => {
          let next = 0;
          const lane = async (): Promise<void> => {
            while (next < perClient) {
              next++;
              const pipeline = client.pipeline();
              for (let i = 0; i < PIPELINE; i++) pipeline.hset(key, `element:${(c * 7919 + next * PIPELINE + i) % KEYSPACE}`, 'xxx');
              await pipeline.exec();
            }
          };
          await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
        }),
      ),
    );
    return (perClient * PIPELINE * CONNECTIONS) / (ms / 1000);
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** HSETs per second as redis-benchmark measures them (`null` when it is not installed). */
async function fromRedisBenchmark(context: BenchContext, key: string, ops: number): Promise<number | null> {
  const url = new URL(context.redis.url);
  const args = ['-h', url.hostname, '-p', url.port || '6379', '-P', String(PIPELINE), '-n', String(ops), '-r', String(KEYSPACE), '-q'];
  if (url.password) args.push('-a', decodeURIComponent(url.password), '--no-auth-warning');
  if (url.username) args.push('--user', decodeURIComponent(url.username));
  try {
    // A command of our own (not `-t hset`) so the key stays under this run's prefix.
    const { stdout } = await run('redis-benchmark', [...args, 'HSET', key, 'element:__rand_int__', 'xxx'], { timeout: 120_000 });
    const match = /([\d.]+) requests per second/.exec(stdout.replace(/\r/g, '\n'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The ceiling figure. */
export async function ceilingPhase(context: BenchContext): Promise<{ figure: Figure; prefixes: string[] }> {
  const prefix = context.redis.prefix('ceiling');
  const key = `${prefix}hash`;
  const ops = context.sizes.ceilingOps;
  context.log(`ceiling: ${ops} pipelined HSETs from Node, then redis-benchmark…`);
  await fromNode(context, key, Math.min(ops / 4, 100_000)); // warm-up
  const node: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    await settle();
    node.push(await fromNode(context, key, ops));
  }
  const tool = await fromRedisBenchmark(context, `${prefix}rb`, ops);
  return {
    figure: figure(
      'redis_ceiling_hset_per_s',
      'Redis ceiling: pipelined HSET (-P 64)',
      median(node),
      tool,
      tool === null ? 'redis-benchmark not found' : 'redis-benchmark -P 64',
      'HSET/s',
      `ioredis, ${CONNECTIONS} connections × ${IN_FLIGHT} pipelines of ${PIPELINE}, median of 3`,
    ),
    prefixes: [prefix],
  };
}
