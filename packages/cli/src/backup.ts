/** Writing a backup: every resource of a cache, streamed to a Writable. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Cache, ResourceName } from '@sake/abc';
import { iterResource } from './cache-access.js';
import { crc32 } from './crc32.js';
import {
  BACKUP_FORMAT_VERSION,
  BACKUP_MAGIC,
  RESOURCE_CODES,
  TRAILER_KIND,
  emptyCounts,
  kindOf,
  type BackupHeader,
  type BackupTrailer,
  type ResourceCounts,
} from './format.js';

/** Progress of a backup, reported after each resource and every few thousand records. */
export interface BackupProgress {
  /** The resource being written. */
  resource: ResourceName;
  /** Records written so far (all resources). */
  records: number;
  /** Records expected in total: the sum of every resource's `len()` at the start (approximate while the cache is written to). */
  total: number;
  /** Bytes written so far. */
  bytes: number;
}

/** Options of {@link backup}. */
export interface BackupOptions {
  /** Called as the backup advances (keep it cheap: it runs on the backup's path). */
  onProgress?: (progress: BackupProgress) => void;
  /** End `stream` when done and wait until it has flushed (default true). */
  end?: boolean;
  /** Written into the header as the producing program. */
  producer?: string;
}

/** What {@link backup} wrote. */
export interface BackupResult {
  /** Entity records per resource. */
  counts: ResourceCounts;
  /** Entity records in total. */
  records: number;
  /** Size of the backup in bytes. */
  bytes: number;
}

/** Buffer records into chunks of about this size before writing, to keep write calls few. */
const CHUNK_BYTES = 256 * 1024;
const PROGRESS_EVERY = 2_000;

/**
 * Write a backup of every resource of `cache` to `stream` (see `format.ts` for
 * the bytes). Entries are streamed as the cache's iterators yield them, so
 * memory stays bounded however large the cache is; the stream's backpressure
 * is respected.
 *
 * A backup is not a point-in-time snapshot: entries written to the cache while
 * it runs may or may not be included. On failure the stream is destroyed with
 * the error, so a partial backup never looks complete (it has no trailer).
 */
export async function backup(cache: Cache, stream: Writable, options: BackupOptions = {}): Promise<BackupResult> {
  const writer = new ChunkWriter(stream);
  const counts = emptyCounts();
  let records = 0;
  try {
    let total = 0;
    for (const resource of RESOURCE_CODES) total += await iterResource(cache, resource).len();

    const header: BackupHeader = {
      createdAt: new Date().toISOString(),
      producer: options.producer ?? '@sake/cli',
      resources: [...RESOURCE_CODES],
    };
    const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
    const headerBody = Buffer.alloc(6 + headerJson.length);
    headerBody.writeUInt16BE(BACKUP_FORMAT_VERSION, 0);
    headerBody.writeUInt32BE(headerJson.length, 2);
    headerJson.copy(headerBody, 6);
    await writer.write(BACKUP_MAGIC);
    await writer.write(headerBody);
    await writer.write(u32(crc32(headerBody)));

    for (const resource of RESOURCE_CODES) {
      const kind = kindOf(resource);
      for await (const entity of iterResource(cache, resource)) {
        await writer.write(encodeRecord(kind, Buffer.from(JSON.stringify(entity), 'utf8')));
        counts[resource]++;
        records++;
        if (records % PROGRESS_EVERY === 0) options.onProgress?.({ resource, records, total, bytes: writer.bytes });
      }
      options.onProgress?.({ resource, records, total, bytes: writer.bytes });
    }

    const trailer: BackupTrailer = { records, counts };
    await writer.write(encodeRecord(TRAILER_KIND, Buffer.from(JSON.stringify(trailer), 'utf8')));
    await writer.write(u32(writer.crc));
    await writer.flush();
    if (options.end ?? true) {
      stream.end();
      await once(stream, 'finish');
    }
    return { counts, records, bytes: writer.bytes };
  } catch (error) {
    stream.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0, 0);
  return b;
}

/** kind, length, payload, CRC of the three. */
function encodeRecord(kind: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(1 + 4 + payload.length + 4);
  out.writeUInt8(kind, 0);
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  out.writeUInt32BE(crc32(out.subarray(0, 5 + payload.length)), 5 + payload.length);
  return out;
}

/** Collects small writes into larger chunks, keeps the whole-file CRC and honours backpressure. */
class ChunkWriter {
  readonly #stream: Writable;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes accepted so far (written or pending). */
  bytes = 0;
  /** CRC-32 of every byte accepted so far. */
  crc = 0;

  constructor(stream: Writable) {
    this.#stream = stream;
  }

  async write(data: Buffer): Promise<void> {
    this.crc = crc32(data, this.crc);
    this.bytes += data.length;
    this.#pending.push(data);
    this.#pendingBytes += data.length;
    if (this.#pendingBytes >= CHUNK_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const chunk = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#stream.destroyed) throw new Error('the backup stream was closed before the backup finished');
    if (!this.#stream.write(chunk)) await waitForDrain(this.#stream);
  }
}

/** Resolve on 'drain', reject if the stream fails or closes first. */
async function waitForDrain(stream: Writable): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([
      once(stream, 'drain', { signal: ac.signal }),
      once(stream, 'close', { signal: ac.signal }).then(() => {
        throw new Error('the backup stream closed before the backup finished');
      }),
    ]);
  } finally {
    ac.abort();
  }
}
