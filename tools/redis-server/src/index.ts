/**
 * Start and stop private `redis-server` processes: on a free loopback port,
 * in a temp dir, with persistence off unless asked for. Used by the test
 * global setup (the shared server and the cluster), by fault tests that need
 * a server they may stop, kill and restart, and by `pnpm bench`.
 *
 * @packageDocumentation
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: readonly string[];
  /** Keep data across `restart()` through an RDB snapshot on stop (default false: `--save ""`). */
  persist?: boolean;
  /** Milliseconds to wait for the server to answer PING (default 10 000). */
  readyTimeoutMs?: number;
}

/** A running private redis-server. */
export interface RedisServer {
  /** The TCP port (stays the same across restarts). */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The server's working directory (deleted by `stop()`). */
  readonly dir: string;
  /** Whether the process is currently running. */
  readonly running: boolean;
  /** Stop the process (SIGTERM, waits for exit) and delete its directory. */
  stop(): Promise<void>;
  /** Stop the process (SIGTERM, waits for exit) but keep its directory, so `restart()` can bring it back. */
  halt(): Promise<void>;
  /** Kill the process with SIGKILL (no shutdown save) and wait for it to exit; the directory is kept. */
  kill9(): Promise<void>;
  /** Start the process again on the same port and directory (after `halt()` or `kill9()`). */
  restart(): Promise<void>;
}

/** The one line a developer without Redis sees. */
export const MISSING_REDIS_MESSAGE =
  'redis-server was not found on PATH: install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL / REDIS_CLUSTER_NODES to existing servers';

/** Throw one clear line when `redis-server` (and `redis-cli`) are not installed. */
export function assertRedisInstalled(): void {
  for (const bin of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(bin, ['--version'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) throw new Error(MISSING_REDIS_MESSAGE);
  }
}

/** Send one inline command over a raw socket and resolve with the raw reply (no client library needed). */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply from 127.0.0.1:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      // A bulk reply ($n\r\n…\r\n) may arrive in pieces: wait for its whole body.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (bulk && reply.length < bulk[0].length + Number(bulk[1]) + 2) return;
      if (!reply.endsWith('\r\n')) return;
      clearTimeout(timer);
      socket.end();
      resolve(reply);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll PING until the server answers PONG. */
export async function waitForPing(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
    try {
      if ((await rawCommand(port, 'PING', 500)).startsWith('+PONG')) return;
    } catch (err) {
      last = err;
    }
    await sleep(20);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms (${String(last)})`);
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Every server started by this process, so an interrupted run can still stop them. */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();

/** Synchronously kill every server this process started and delete their dirs (for SIGINT/exit). */
export function killAllSync(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** Start a private redis-server; see {@link RedisServer}. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  assertRedisInstalled();
  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const dir = mkdtempSync(join(tmpdir(), `sake-redis-${port}-`));
  dirs.add(dir);
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'no',
    '--save',
    options.persist ? '3600 1' : '',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    child = proc;
    try {
      await waitForPing(port, readyTimeoutMs, proc);
    } catch (err) {
      // A server that never became ready must not outlive the failed start.
      proc.kill('SIGKILL');
      await waitForExit(proc);
      throw err;
    }
  };
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    await waitForExit(proc);
  };

  try {
    await launch();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw err;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async stop() {
      await terminate('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
    halt: () => terminate('SIGTERM'),
    kill9: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
  };
}
