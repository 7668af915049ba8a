/**
 * Vitest global setup: gives every test file a Redis to talk to.
 *
 * - a single `redis-server` (`inject('redisUrl')`), unless REDIS_URL is set;
 * - a local 3-master Redis Cluster (`inject('redisClusterNodes')`, `host:port`
 *   strings), unless REDIS_CLUSTER_NODES (comma-separated `host:port`) is set.
 *
 * Everything started here runs on free loopback ports in temp dirs and is
 * stopped and deleted in teardown, and also on SIGINT/SIGTERM. A missing
 * `redis-server` fails the run with one line saying how to install it.
 */
import type { TestProject } from 'vitest/node';
import { startRedisCluster, type RedisCluster } from './redis-cluster.js';
import { assertRedisInstalled, killAllSync, startRedisServer, type RedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://…` URL of a single-node Redis tests may use (each test should use its own key prefix). */
    redisUrl: string;
    /** `host:port` of every master of a Redis Cluster tests may use. */
    redisClusterNodes: string[];
  }
}

function parseNodes(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const envUrl = process.env.REDIS_URL;
  const envNodes = process.env.REDIS_CLUSTER_NODES;
  if (!envUrl || !envNodes) {
    try {
      assertRedisInstalled();
    } catch (err) {
      // One clear line, no stack: the fix is an install, not a debugging session.
      console.error(`\n${(err as Error).message}\n`);
      throw err;
    }
  }

  let server: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    killAllSync();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    [server, cluster] = await Promise.all([envUrl ? undefined : startRedisServer(), envNodes ? undefined : startRedisCluster()]);
  } catch (err) {
    killAllSync();
    throw err;
  }

  project.provide('redisUrl', envUrl ?? server!.url);
  project.provide('redisClusterNodes', envNodes ? parseNodes(envNodes) : [...cluster!.nodes]);

  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all([server?.stop(), cluster?.stop()]);
  };
}
