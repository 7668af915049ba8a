/**
 * Start and stop private PostgreSQL servers: `initdb` into a temp dir, then
 * `postgres` on a free loopback port with trust auth for the user `sake`.
 * Used by the test global setup, by fault tests that kill and restart a
 * server, and by `pnpm bench`. The binaries come from PATH or from
 * `/usr/lib/postgresql/<version>/bin` (the newest version there).
 *
 * PostgreSQL refuses to run as root: when this process is root, `initdb` and
 * `postgres` run as the `postgres` user (or `nobody`) and the temp dir is
 * handed to that user.
 *
 * @packageDocumentation
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';

/** Options for {@link startPostgresServer}. */
export interface PostgresServerOptions {
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Extra `postgres` settings as `-c name=value` pairs, e.g. `{ statement_timeout: '0' }`. */
  settings?: Readonly<Record<string, string>>;
  /** Milliseconds to wait for the server to accept connections (default 30 000). */
  readyTimeoutMs?: number;
}

/** A running private PostgreSQL server. */
export interface PostgresServer {
  /** The TCP port (stays the same across restarts). */
  readonly port: number;
  /** `postgres://sake@127.0.0.1:<port>/postgres` (trust auth: no password). */
  readonly url: string;
  /** The temp dir holding the data directory, socket and log (deleted by `stop()`). */
  readonly dir: string;
  /** Whether the postmaster is currently running. */
  readonly running: boolean;
  /** Stop the server (fast shutdown, waits for exit) and delete its directory. */
  stop(): Promise<void>;
  /** Stop the server (fast shutdown) but keep its directory, so `restart()` can bring it back. */
  halt(): Promise<void>;
  /** Kill the postmaster and every backend with SIGKILL (a crash: Linux only, through /proc); the directory is kept. */
  kill9(): Promise<void>;
  /** Start the server again on the same port and data directory (after `halt()` or `kill9()`). */
  restart(): Promise<void>;
}

/** The one line a developer without PostgreSQL sees. */
export const MISSING_POSTGRES_MESSAGE =
  'PostgreSQL server binaries (initdb, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin: install them (Debian/Ubuntu: `sudo apt-get install postgresql`, macOS: `brew install postgresql`) or set PG_URL to a server you run (the tests then use their own schemas in it)';

/** The directory holding `initdb` and `postgres`, or `''` when they are on PATH. */
export function findPostgresBin(): string {
  const works = (bin: string): boolean => {
    const probe = spawnSync(bin, ['--version'], { stdio: 'ignore' });
    return !probe.error && probe.status === 0;
  };
  if (works('initdb') && works('postgres')) return '';
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(root, version, 'bin');
    if (works(join(dir, 'initdb')) && works(join(dir, 'postgres'))) return dir;
  }
  throw new Error(MISSING_POSTGRES_MESSAGE);
}

/** Throw {@link MISSING_POSTGRES_MESSAGE} when the server binaries are not installed. */
export function assertPostgresInstalled(): void {
  findPostgresBin();
}

/** The uid/gid to run PostgreSQL as when this process is root (it refuses root), else `undefined`. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const entry = passwd.find((fields) => fields[0] === name);
    if (entry) return { uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error('running as root and no postgres or nobody user exists to run PostgreSQL as (it refuses to run as root)');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Whether something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Poll until postmaster.pid says `ready` and the port accepts connections. */
async function waitForReady(dataDir: string, port: number, timeoutMs: number, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres on port ${port} exited (${child.exitCode ?? child.signalCode}); log: ${tail(log)}`);
    }
    const pid = join(dataDir, 'postmaster.pid');
    // The 8th line of postmaster.pid is the server's status; "ready" once it accepts connections.
    const status = existsSync(pid) ? readFileSync(pid, 'utf8').split('\n')[7]?.trim() : undefined;
    if (status === 'ready' && (await accepts(port))) return;
    await sleep(25);
  }
  throw new Error(`postgres on port ${port} was not ready within ${timeoutMs} ms; log: ${tail(log)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

/** Every server started by this process, so an interrupted run can still stop them. */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();

/** Synchronously kill every server this process started and delete their dirs (for SIGINT/exit). */
export function killAllPostgresSync(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
  for (const dir of dirs) {
    for (const pid of workersOf(join(dir, 'data'))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  dirs.clear();
}

/** The pids of the processes whose working directory is `dataDir` (a postmaster's backends and helpers; Linux /proc). */
function workersOf(dataDir: string): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dataDir) out.push(Number(entry));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return out;
}

/** SIGKILL every process working in `dataDir` until none is left (bounded). */
async function killWorkers(dataDir: string): Promise<void> {
  for (let round = 0; round < 100; round++) {
    const pids = workersOf(dataDir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(20);
  }
}

/** Run initdb into `dataDir` (as `user` when given); throws with its output on failure. */
function initdb(bin: string, dataDir: string, user: { uid: number; gid: number } | undefined): void {
  const args = ['-D', dataDir, '-U', 'sake', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'];
  const result = spawnSync(bin ? join(bin, 'initdb') : 'initdb', args, { encoding: 'utf8', ...(user ?? {}) });
  if (result.error || result.status !== 0) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stderr is null when initdb cannot be spawned (ENOENT); @types/node says string
    throw new Error(`initdb failed (${result.status ?? String(result.error)}): ${`${result.stderr ?? ''}`.trim().slice(-500)}`);
  }
}

/** Start a private PostgreSQL server; see {@link PostgresServer}. */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const user = unprivilegedUser();
  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const dir = mkdtempSync(join(tmpdir(), `sake-pg-${port}-`));
  dirs.add(dir);
  if (user) chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  // fsync off: a test server never survives an OS crash anyway; synchronous_commit stays on, so a
  // killed postmaster keeps every commit it acknowledged (the fault tests rely on that).
  const settings: Record<string, string> = { fsync: 'off', full_page_writes: 'off', max_connections: '200', ...options.settings };
  const args = ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const fd = openSync(log, 'a');
    if (user) chownSync(log, user.uid, user.gid);
    const proc = spawn(bin ? join(bin, 'postgres') : 'postgres', args, { stdio: ['ignore', fd, fd], ...(user ?? {}) });
    closeSync(fd);
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    child = proc;
    try {
      await waitForReady(dataDir, port, readyTimeoutMs, proc, log);
    } catch (err) {
      // A server that never became ready must not outlive the failed start.
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await killWorkers(dataDir);
      await waitForExit(proc);
      throw err;
    }
  };
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    // SIGINT is PostgreSQL's fast shutdown. SIGKILL is a crash: the postmaster first (so it starts
    // nothing new), then every backend and helper it forked (each sits in its own session).
    proc.kill(signal);
    if (signal === 'SIGKILL') await killWorkers(dataDir);
    await waitForExit(proc);
  };

  try {
    initdb(bin, dataDir, user);
    await launch();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw err;
  }
  return {
    port,
    url: `postgres://sake@127.0.0.1:${port}/postgres`,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async stop() {
      await terminate('SIGINT');
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
    halt: () => terminate('SIGINT'),
    kill9: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGINT');
      await launch();
    },
  };
}
