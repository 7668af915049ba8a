/** Restoring a backup into any backend: verify the whole file first, then write. */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { mutation, type Cache, type CacheWriter, type InviteEntity, type Mutation, type ResourceName } from '@sake/abc';
import { readBackup, type BackupRecord, type BackupSummary } from './backup-reader.js';
import { ByteReader } from './byte-reader.js';
import { clearResource } from './cache-access.js';
import { BackupFormatError } from './errors.js';
import { RESOURCE_CODES, emptyCounts, type ResourceCounts } from './format.js';

/** A backup to read: a file path, or a stream of its bytes. */
export type BackupSource = string | Readable | AsyncIterable<Uint8Array>;

/** A backend restore can write to: every read resource (for `clear`) plus `apply`. */
export type RestoreTarget = Cache & CacheWriter;

/** Progress of a restore. */
export interface RestoreProgress {
  /** `verify`: reading and checking the whole file (nothing written yet); `clear`: clearing the cache; `write`: applying records. */
  phase: 'verify' | 'clear' | 'write';
  /** Records handled so far in this phase. */
  records: number;
  /** Records in the file: known once `verify` is done, `undefined` during it. */
  total: number | undefined;
  /** Bytes read so far in this phase. */
  bytes: number;
  /** Size of the file when known (a path), else `undefined`. */
  totalBytes: number | undefined;
}

/** Options of {@link restore}. */
export interface RestoreOptions {
  /** Clear every resource of the cache (after the file is verified, before writing). Default false: records are written over what is there. */
  clear?: boolean;
  /** Called as the restore advances. */
  onProgress?: (progress: RestoreProgress) => void;
  /** Mutations per `apply` call (default 1000). */
  batchSize?: number;
  /** Where a stream is spooled while it is verified (default: the OS temp dir). Unused for a file path, which is read twice. */
  spoolDir?: string;
  /** Clock for invite expiry (tests). Default `Date.now`. */
  now?: () => number;
}

/** What {@link restore} did. */
export interface RestoreResult {
  /** The verified file's header, trailer and size. */
  summary: BackupSummary;
  /** Entries written per resource. */
  counts: ResourceCounts;
  /** Invites skipped because they expired since the backup was taken. */
  expiredInvites: number;
}

const PROGRESS_EVERY = 2_000;

/**
 * Verify a backup without writing anything: throws {@link BackupFormatError}
 * (naming the byte offset) on any problem, resolves with the summary otherwise.
 */
export async function verifyBackup(source: BackupSource, onProgress?: (progress: RestoreProgress) => void): Promise<BackupSummary> {
  const totalBytes = typeof source === 'string' ? (await stat(source)).size : undefined;
  return verifyPass(openReader(source), totalBytes, onProgress);
}

/**
 * Restore a backup written by {@link backup} into `cache` (any backend: a
 * backup is portable between backends).
 *
 * The whole file is read and verified first — header, every record's checksum
 * and entity, the trailer's counts, the whole-file checksum — without holding
 * it in memory: a path is read twice, a stream is spooled to a temporary file
 * while it is verified. A truncated, corrupt or wrong-version file rejects
 * with a {@link BackupFormatError} naming the byte offset, and the cache is
 * left untouched. Only then is the cache cleared (with `clear`) and written
 * through `apply()` in batches: members as `set member` (their user comes
 * with them), the other users as `set user`, the bot's user as `set me`.
 *
 * Expiry is not part of the standard's read API, so a backup holds none:
 * invites get back the time left from their `created_at` + `max_age` (expired
 * ones are skipped), messages and users are restored without a TTL.
 */
export async function restore(cache: RestoreTarget, source: BackupSource, options: RestoreOptions = {}): Promise<RestoreResult> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`batchSize must be a positive integer, got ${String(batchSize)}`);
  const now = options.now ?? Date.now;
  let spool: { dir: string; path: string } | undefined;
  try {
    let path: string;
    let summary: BackupSummary;
    let before: { size: number; mtimeMs: number } | undefined;
    if (typeof source === 'string') {
      path = source;
      before = await stat(path);
      summary = await verifyPass(openReader(path), before.size, options.onProgress);
    } else {
      const dir = await mkdtemp(join(options.spoolDir ?? tmpdir(), 'sake-restore-'));
      spool = { dir, path: join(dir, 'backup.spool') };
      path = spool.path;
      summary = await spoolAndVerify(source, spool.path, options.onProgress);
    }

    if (options.clear === true) {
      options.onProgress?.({ phase: 'clear', records: 0, total: summary.trailer.records, bytes: 0, totalBytes: summary.bytes });
      for (const resource of RESOURCE_CODES) await clearResource(cache, resource);
    }

    if (before !== undefined) {
      // A path is read a second time: make sure it is still the file that was verified.
      const after = await stat(path);
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw new BackupFormatError('changed', 0, 'the file changed between verification and restore; nothing was written, try again');
      }
    }

    const counts = emptyCounts();
    let expiredInvites = 0;
    let done = 0;
    let batch: Mutation[] = [];
    const reader = openReader(path);
    const records = readBackup(reader);
    for (;;) {
      const next = await records.next();
      if (next.done === true) break;
      const m = toMutation(next.value, now());
      if (m === undefined) expiredInvites++;
      else {
        batch.push(m);
        counts[next.value.resource]++;
      }
      done++;
      if (batch.length >= batchSize) {
        await cache.apply(batch);
        batch = [];
      }
      if (done % PROGRESS_EVERY === 0)
        options.onProgress?.({ phase: 'write', records: done, total: summary.trailer.records, bytes: reader.offset, totalBytes: summary.bytes });
    }
    if (batch.length > 0) await cache.apply(batch);
    options.onProgress?.({ phase: 'write', records: done, total: summary.trailer.records, bytes: reader.offset, totalBytes: summary.bytes });
    return { summary, counts, expiredInvites };
  } finally {
    if (spool !== undefined) await rm(spool.dir, { recursive: true, force: true });
  }
}

/** The mutation that writes one record back, or `undefined` for an invite that has expired since. */
function toMutation(record: BackupRecord, now: number): Mutation | undefined {
  const resource: ResourceName = record.resource;
  if (resource === 'invite') {
    const invite = record.value as InviteEntity;
    const maxAgeMs = typeof invite.max_age === 'number' ? invite.max_age * 1000 : 0;
    const createdAt = Date.parse(invite.created_at);
    if (maxAgeMs > 0 && Number.isFinite(createdAt)) {
      const left = createdAt + maxAgeMs - now;
      if (left <= 0) return undefined;
      return mutation.set('invite', invite, { ttlMs: left });
    }
  }
  return mutation.set(resource, record.value);
}

function openReader(source: BackupSource): ByteReader {
  return new ByteReader(typeof source === 'string' ? createReadStream(source, { highWaterMark: 1024 * 1024 }) : source);
}

async function verifyPass(reader: ByteReader, totalBytes: number | undefined, onProgress: RestoreOptions['onProgress']): Promise<BackupSummary> {
  const records = readBackup(reader);
  let count = 0;
  try {
    for (;;) {
      const next = await records.next();
      if (next.done === true) return next.value;
      count++;
      if (count % PROGRESS_EVERY === 0) onProgress?.({ phase: 'verify', records: count, total: undefined, bytes: reader.offset, totalBytes });
    }
  } finally {
    await reader.close();
  }
}

/** Verify a stream while copying every byte read to `path`, so it can be read again for the write pass. */
async function spoolAndVerify(source: Exclude<BackupSource, string>, path: string, onProgress: RestoreOptions['onProgress']): Promise<BackupSummary> {
  const out: WriteStream = createWriteStream(path);
  const failed = once(out, 'error').then(([error]) => {
    throw error;
  });
  failed.catch(() => undefined);
  const reader = new ByteReader(source);
  reader.onBytes = async (bytes) => {
    if (!out.write(bytes)) await Promise.race([once(out, 'drain'), failed]);
  };
  try {
    const summary = await verifyPass(reader, undefined, onProgress);
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    return summary;
  } catch (error) {
    out.destroy();
    throw error;
  }
}
