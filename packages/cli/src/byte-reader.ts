/** Exact-length reads from a byte stream, with the offset and a running CRC. */
import { crc32 } from './crc32.js';

/** Reads exact byte counts from an async stream of chunks, tracking the offset and the CRC of everything read. */
export class ByteReader {
  readonly #chunks: AsyncIterator<Uint8Array | string>;
  #buffer: Buffer = Buffer.alloc(0);
  #done = false;
  /** Offset (from the start of the stream) of the next unread byte. */
  offset = 0;
  /** CRC-32 of every byte read so far. */
  crc = 0;
  /** Optional sink that receives every byte read (used to spool a stream to disk). */
  onBytes: ((bytes: Buffer) => void | Promise<void>) | undefined;

  constructor(source: AsyncIterable<Uint8Array | string>) {
    this.#chunks = source[Symbol.asyncIterator]();
  }

  /** Make at least `n` bytes available; false when the stream ends first. */
  async #fill(n: number): Promise<boolean> {
    if (this.#buffer.length >= n) return true;
    const parts: Buffer[] = [this.#buffer];
    let have = this.#buffer.length;
    while (have < n && !this.#done) {
      const next = await this.#chunks.next();
      if (next.done === true) {
        this.#done = true;
        break;
      }
      const chunk =
        typeof next.value === 'string' ? Buffer.from(next.value, 'latin1') : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      parts.push(chunk);
      have += chunk.length;
    }
    this.#buffer = parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
    return have >= n;
  }

  /** Read exactly `n` bytes, or `undefined` when the stream ends first (the partial bytes stay unread). */
  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.#fill(n))) return undefined;
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    this.offset += n;
    this.crc = crc32(out, this.crc);
    if (this.onBytes !== undefined) await this.onBytes(out);
    return out;
  }

  /** How many bytes remain unread before the end of the stream (reads to the end; use only to report trailing data). */
  async remaining(): Promise<number> {
    let total = this.#buffer.length;
    this.#buffer = Buffer.alloc(0);
    for (;;) {
      const next = await this.#chunks.next();
      if (next.done === true) break;
      total += typeof next.value === 'string' ? Buffer.byteLength(next.value, 'latin1') : next.value.byteLength;
    }
    this.#done = true;
    return total;
  }

  /** Whether the stream has no more bytes. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill(1));
  }

  /** Stop reading the source (lets a file stream close early). */
  async close(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      await this.#chunks.return?.();
    }
  }
}
