/**
 * A local 3-master Redis Cluster for tests: three `redis-server --cluster-enabled yes`
 * processes in temp dirs, joined with `redis-cli --cluster create`.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';
import { rawCommand, startRedisServer, type RedisServer } from './redis-server.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A running local cluster. */
export interface RedisCluster {
  /** `host:port` of every master. */
  readonly nodes: readonly string[];
  /** Stop every node and delete their dirs. */
  stop(): Promise<void>;
}

/** Start a cluster of `masters` nodes (default 3) and wait until every node reports `cluster_state:ok`. */
export async function startRedisCluster(masters = 3, readyTimeoutMs = 20_000): Promise<RedisCluster> {
  const servers: RedisServer[] = [];
  try {
    const started = await Promise.all(
      Array.from({ length: masters }, async () => {
        const port = await getPort({ host: '127.0.0.1' });
        // The cluster bus normally sits on port+10000, which may be taken or out of range: pick a free one.
        const busPort = await getPort({ host: '127.0.0.1', exclude: [port] });
        return startRedisServer({
          port,
          args: ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-node-timeout', '5000', '--cluster-config-file', 'nodes.conf'],
        });
      }),
    );
    servers.push(...started);
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: readyTimeoutMs });
    const deadline = Date.now() + readyTimeoutMs;
    for (const server of servers) {
      for (;;) {
        const info = await rawCommand(server.port, 'CLUSTER INFO').catch(() => '');
        // Every node must agree that all slots are covered before tests route commands.
        if (info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${server.port} not ready: ${info.trim()} (log: ${join(server.dir, 'redis.log')})`);
        await sleep(50);
      }
    }
    return {
      nodes,
      async stop() {
        await Promise.all(servers.map((s) => s.stop()));
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
}
