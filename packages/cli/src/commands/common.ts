/** Options and helpers shared by the cache commands. */
import { Option, type Command } from 'commander';
import { openBackend, type BackendOptions, type OpenBackend } from '../backend.js';

/** Add `--redis`, `--prefix`, `--postgres`, `--schema` and (for read-only commands) `--from-backup` to a command. */
export function addBackendOptions(command: Command, allowBackupSource: boolean): Command {
  command
    .addOption(new Option('--redis <url>', 'Redis URL (redis://[user:password@]host:port[/db], rediss:// for TLS)').env('REDIS_URL'))
    .option('--prefix <prefix>', 'key prefix of the cache in Redis (default "sake:")')
    .addOption(new Option('--postgres <url>', 'PostgreSQL URL (postgres://[user:password@]host:port/db) instead of Redis').env('POSTGRES_URL'))
    .option('--schema <name>', 'schema of the cache in PostgreSQL (default "sake")');
  if (allowBackupSource) command.option('--from-backup <file>', 'work on an in-memory copy loaded from a backup file instead of a store');
  return command;
}

/** Open the backend named by the options, run `body`, and always close it. */
export async function withBackend<T>(options: BackendOptions, allowBackupSource: boolean, body: (backend: OpenBackend) => Promise<T>): Promise<T> {
  const backend = await openBackend(options, allowBackupSource);
  try {
    return await body(backend);
  } finally {
    await backend.close();
  }
}

/** Write a line to stdout. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Write a line to stderr (information that is not the command's data). */
export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A byte count in KiB/MiB/GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
