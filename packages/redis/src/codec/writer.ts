/**
 * The record writer: the header byte, the array header or code bytes and the
 * typed field values (ids and hashes without an intermediate Buffer each)
 * written straight into one buffer with the msgpack writer's JSON-like
 * values; it was ~3× faster than building an array for `packr.pack` and
 * copying its result behind the header (the largest JS cost of an ingest).
 * A record can be written straight into an {@link EntryList}, the packed
 * argument of the write scripts.
 */
import { writeId } from './ids.js';
import { MsgpackWriter, type NestedPacker } from './msgpack-writer.js';

/** Writes one record into a growable scratch buffer. */
export class RecordWriter extends MsgpackWriter {
  #start = 0;
  /** The writer's own buffer while it writes into an {@link EntryList}'s. */
  #scratch: Buffer | undefined;

  /** @param packNested - how values the writer does not write itself are encoded */
  constructor(packNested: NestedPacker) {
    super(packNested);
  }

  /** Start a record: values are written after room left for the header byte, the array header and the mask (≤ 15 bytes). */
  begin(): void {
    this.#start = 16;
    this.pos = 16;
  }

  /**
   * Start a record written straight into `out`'s buffer, finished by {@link endEntry} (or
   * abandoned by {@link detach}): no copy from a scratch buffer afterwards.
   */
  beginEntry(out: EntryList): void {
    out.reserve(ENTRY_ROOM + 64);
    this.#scratch ??= this.buf;
    this.buf = out.buf;
    this.#start = out.pos + ENTRY_ROOM;
    this.pos = this.#start;
  }

  /** Give up a record started with {@link beginEntry} (after an error): back to the scratch buffer. */
  detach(): void {
    if (this.#scratch) {
      this.buf = this.#scratch;
      this.#scratch = undefined;
    }
  }

  /** A binary of 8-byte ids (`ids.length` × 8 bytes). */
  ids(list: readonly string[]): void {
    this.binHeader(list.length * 8);
    this.room(list.length * 8);
    for (let i = 0; i < list.length; i++) writeId(this.buf, this.pos + i * 8, list[i]!);
    this.pos += list.length * 8;
  }

  /** A msgpack array of role dictionary indexes (non-negative integers: one byte each below 128). */
  roleIndexes(indexes: readonly number[]): void {
    this.collectionHeader(indexes.length, 0x90, 0xdc);
    for (let i = 0; i < indexes.length; i++) this.number(indexes[i]!);
  }

  /** A time as milliseconds since the Discord epoch: a 5-byte binary (kinds.ts `msTime`, `MS_TIME_BYTES`). */
  msTime(ms: number): void {
    this.room(7);
    const b = this.buf;
    const p = this.pos;
    b[p] = 0xc4;
    b[p + 1] = 5;
    b[p + 2] = Math.floor(ms / 4294967296);
    b.writeUInt32BE(ms % 4294967296, p + 3);
    this.pos = p + 7;
  }

  /** A binary of one 8-byte id. */
  id(value: string): void {
    this.room(10);
    this.buf[this.pos] = 0xc4;
    this.buf[this.pos + 1] = 8;
    writeId(this.buf, this.pos + 2, value);
    this.pos += 10;
  }

  /** A binary of a 32-hex-digit hash, with a leading 1 byte when `animated`. */
  hash(hex: string, animated: boolean): void {
    const n = animated ? 17 : 16;
    this.room(n + 2);
    const b = this.buf;
    b[this.pos] = 0xc4;
    b[this.pos + 1] = n;
    let at = this.pos + 2;
    if (animated) b[at++] = 1;
    b.write(hex, at, 16, 'hex');
    this.pos += n + 2;
  }

  /**
   * Finish: the record as a new Buffer: the `header` byte, then a msgpack array
   * of `count` values: `mask` (a non-negative safe integer) and the values
   * written since `begin`.
   */
  end(header: number, mask: number, count: number): Buffer {
    return this.#endAt(this.#prefix(header, mask, count));
  }

  /** Finish a coded record (schemas.ts `Schema.coded`): the header byte and the first `n` bytes of `codes` in front of the values. */
  endCoded(header: number, codes: Uint8Array, n: number): Buffer {
    return this.#endAt(this.#prefixCoded(header, codes, n));
  }

  #endAt(s: number): Buffer {
    const out = Buffer.allocUnsafe(this.pos - s);
    this.buf.copy(out, 0, s, this.pos);
    return out;
  }

  /**
   * Finish a record started with {@link beginEntry}: it becomes one packed entry of `out` (see
   * {@link EntryList}): the 8-byte `id`, the 4-byte `seed` when given, the 4-byte stored length,
   * then the record as stored — split records (over 64 bytes) with the split marker in front,
   * so the head is the entry's first 64 bytes and the tail the rest (codec/split.ts), no copy
   * of either.
   */
  endEntry(header: number, mask: number, count: number, out: EntryList, id: string, seed: number | undefined): void {
    this.#endEntryAt(this.#prefix(header, mask, count), out, id, seed);
  }

  /** {@link endEntry} for a coded record (see {@link endCoded}). */
  endEntryCoded(header: number, codes: Uint8Array, n: number, out: EntryList, id: string, seed: number | undefined): void {
    this.#endEntryAt(this.#prefixCoded(header, codes, n), out, id, seed);
  }

  #endEntryAt(s: number, out: EntryList, id: string, seed: number | undefined): void {
    const o = this.buf;
    const end = this.pos;
    const length = end - s;
    const split = length > MAX_PIECE;
    const stored = split ? length + 1 : length;
    // The entry's own header goes right in front of the record, then the entry moves down to
    // where `out` ends (a memmove inside one buffer: the gap is what the record prefix left).
    let p = s - (seed === undefined ? 12 : 16) - (split ? 1 : 0);
    const e = p;
    writeId(o, p, id);
    p += 8;
    if (seed !== undefined) {
      u32(o, p, seed);
      p += 4;
    }
    u32(o, p, stored);
    p += 4;
    if (split) o[p] = SPLIT_MARK;
    if (e !== out.pos) o.copyWithin(out.pos, e, end);
    out.buf = o;
    out.pos += end - e;
    out.n++;
    this.detach();
  }

  /** Write the header byte and `n` code bytes in front of the values; returns where the record starts. */
  #prefixCoded(header: number, codes: Uint8Array, n: number): number {
    const b = this.buf;
    let s = this.#start - n;
    for (let k = 0; k < n; k++) b[s + k] = codes[k]!;
    b[--s] = header;
    return s;
  }

  /** Write the header byte, array header and mask in front of the values; returns where the record starts. */
  #prefix(header: number, mask: number, count: number): number {
    const b = this.buf;
    let s = this.#start;
    if (mask < 128) b[--s] = mask;
    else if (mask < 256) {
      s -= 2;
      b[s] = 0xcc;
      b[s + 1] = mask;
    } else if (mask < 65536) {
      s -= 3;
      b[s] = 0xcd;
      b.writeUInt16BE(mask, s + 1);
    } else if (mask < 4294967296) {
      s -= 5;
      b[s] = 0xce;
      b.writeUInt32BE(mask, s + 1);
    } else {
      s -= 9;
      b[s] = 0xcf;
      b.writeUInt32BE(Math.floor(mask / 4294967296), s + 1);
      b.writeUInt32BE(mask % 4294967296, s + 5);
    }
    if (count < 16) b[--s] = 0x90 | count;
    else if (count < 65536) {
      s -= 3;
      b[s] = 0xdc;
      b.writeUInt16BE(count, s + 1);
    } else {
      s -= 5;
      b[s] = 0xdd;
      b.writeUInt32BE(count, s + 1);
    }
    b[--s] = header;
    return s;
  }
}

/** Room left in front of a record written into an EntryList: its entry header (≤ 17 bytes) and the record prefix (≤ 15). */
const ENTRY_ROOM = 33;

function u32(b: Buffer, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 255;
  b[at + 2] = (v >>> 8) & 255;
  b[at + 3] = v & 255;
}

/** Longest value kept in one piece (codec/split.ts). */
const MAX_PIECE = 64;
/** First byte of a split head (codec/split.ts). */
const SPLIT_MARK = 0xff;

/**
 * Many small entries packed into one growing buffer, sent to a script as ONE argument instead
 * of several per entry (each argument costs ioredis ~1 µs and Redis a parsed object; an
 * ingest sent eight per member). Either records ({@link RecordWriter.endEntry}:
 * `id8 [seed u32] length u32 stored-bytes`) or bare 8-byte ids ({@link id}).
 */
export class EntryList {
  buf: Buffer;
  pos = 0;
  /** Entries written. */
  n = 0;

  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Make room for `k` more bytes; returns where they go. */
  reserve(k: number): number {
    if (this.pos + k > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + k + 256));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    return this.pos;
  }

  /** Append one 8-byte id as an entry. */
  id(value: string): void {
    const at = this.reserve(8);
    writeId(this.buf, at, value);
    this.pos = at + 8;
    this.n++;
  }

  /** The packed bytes. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
