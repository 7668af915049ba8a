/**
 * A hand-rolled msgpack writer: numbers, strings and JSON-like nested values
 * (scalars, arrays, plain objects) written straight into one growable
 * buffer; only values msgpackr encodes its own way (undefined, Dates, Maps…)
 * go through msgpackr. The output is plain msgpack that msgpackr's `unpack`
 * reads back to the same values. The record writer (writer.ts) builds on it.
 */

/** Encodes a nested value (object/array/other) as plain msgpack. */
export type NestedPacker = (value: unknown) => Uint8Array;

/** Buffer's own UTF-8 write (what `write(s, offset)` ends in, without its argument handling): bytes written. */
interface NativeWrites {
  utf8Write(s: string, offset: number, length: number): number;
}

/** Deepest nesting {@link MsgpackWriter.value} writes itself; deeper values go to msgpackr, which has its own limits. */
const MAX_DEPTH = 64;

/** Writes msgpack values into a growable buffer (see the module comment). */
export class MsgpackWriter {
  /** The buffer written into. */
  protected buf: Buffer = Buffer.allocUnsafe(8192);
  /** Where the next byte goes. */
  protected pos = 0;
  readonly #packNested: NestedPacker;

  /** @param packNested - how values the writer does not write itself are encoded */
  constructor(packNested: NestedPacker) {
    this.#packNested = packNested;
  }

  /** Make room for `n` more bytes at `pos` (the buffer grows; what is written stays). */
  protected room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + 1024));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** msgpack nil. */
  nil(): void {
    this.room(1);
    this.buf[this.pos++] = 0xc0;
  }

  /** A msgpack bin header for `n` bytes. */
  protected binHeader(n: number): void {
    this.room(5);
    const b = this.buf;
    if (n < 256) {
      b[this.pos++] = 0xc4;
      b[this.pos++] = n;
    } else if (n < 65536) {
      b[this.pos++] = 0xc5;
      b.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xc6;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
  }

  /** A number: the smallest msgpack integer for safe integers, float64 otherwise (and for -0). */
  number(v: number): void {
    this.room(9);
    const b = this.buf;
    let p = this.pos;
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
      if (v >= 0) {
        if (v < 128) b[p++] = v;
        else if (v < 256) {
          b[p++] = 0xcc;
          b[p++] = v;
        } else if (v < 65536) {
          b[p++] = 0xcd;
          b.writeUInt16BE(v, p);
          p += 2;
        } else if (v < 4294967296) {
          b[p++] = 0xce;
          b.writeUInt32BE(v, p);
          p += 4;
        } else {
          b[p++] = 0xcf;
          b.writeUInt32BE(Math.floor(v / 4294967296), p);
          b.writeUInt32BE(v % 4294967296, p + 4);
          p += 8;
        }
      } else if (v >= -32) b[p++] = v & 0xff;
      else if (v >= -128) {
        b[p++] = 0xd0;
        b.writeInt8(v, p);
        p += 1;
      } else if (v >= -32768) {
        b[p++] = 0xd1;
        b.writeInt16BE(v, p);
        p += 2;
      } else if (v >= -2147483648) {
        b[p++] = 0xd2;
        b.writeInt32BE(v, p);
        p += 4;
      } else {
        b[p++] = 0xd3;
        const hi = Math.floor(v / 4294967296);
        b.writeInt32BE(hi, p);
        b.writeUInt32BE(v - hi * 4294967296, p + 4);
        p += 8;
      }
    } else {
      b[p++] = 0xcb;
      b.writeDoubleBE(v, p);
      p += 8;
    }
    this.pos = p;
  }

  /** A UTF-8 string. */
  string(s: string): void {
    const len = s.length;
    const max = len * 3;
    this.room(max + 5);
    const b = this.buf;
    const p = this.pos;
    if (len < 32) {
      // Short ASCII (keys, most values) byte by byte: Buffer#write's argument handling costs more than the copy.
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        b[p + 1 + i] = c;
      }
      if (i === len) {
        b[p] = 0xa0 | len;
        this.pos = p + 1 + len;
        return;
      }
    }
    const w = b as unknown as NativeWrites;
    if (max < 32) {
      const n = w.utf8Write(s, p + 1, max);
      b[p] = 0xa0 | n;
      this.pos = p + 1 + n;
    } else if (max < 256) {
      const n = w.utf8Write(s, p + 2, max);
      if (n < 32) {
        b[p] = 0xa0 | n;
        b.copyWithin(p + 1, p + 2, p + 2 + n);
        this.pos = p + 1 + n;
      } else {
        b[p] = 0xd9;
        b[p + 1] = n;
        this.pos = p + 2 + n;
      }
    } else if (max < 65536) {
      const n = w.utf8Write(s, p + 3, max);
      b[p] = 0xda;
      b.writeUInt16BE(n, p + 1);
      this.pos = p + 3 + n;
    } else {
      const n = w.utf8Write(s, p + 5, max);
      b[p] = 0xdb;
      b.writeUInt32BE(n, p + 1);
      this.pos = p + 5 + n;
    }
  }

  /**
   * Any value: JSON-like ones (scalars, arrays, plain objects) straight into the buffer, anything
   * else through msgpackr. Nested payload parts (a message's author, embeds, mentions…) were one
   * msgpackr call each, the largest share of encoding a message.
   */
  value(v: unknown): void {
    const at = this.pos;
    if (this.json(v, 0)) return;
    // Something msgpackr encodes its own way (undefined, a Date, a Map…) somewhere inside: all of it goes to msgpackr.
    this.pos = at;
    this.raw(this.#packNested(v));
  }

  /** Write `v` if it is JSON-like all the way down (and at most {@link MAX_DEPTH} deep); false (part written) otherwise. */
  private json(v: unknown, depth: number): boolean {
    switch (typeof v) {
      case 'string':
        this.string(v);
        return true;
      case 'number':
        this.number(v);
        return true;
      case 'boolean':
        this.room(1);
        this.buf[this.pos++] = v ? 0xc3 : 0xc2;
        return true;
      case 'object': {
        if (v === null) {
          this.nil();
          return true;
        }
        if (depth >= MAX_DEPTH) return false;
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) !== Array.prototype) return false;
          this.collectionHeader(v.length, 0x90, 0xdc);
          for (let i = 0; i < v.length; i++) if (!this.json(v[i], depth + 1)) return false;
          return true;
        }
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return false;
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        this.collectionHeader(keys.length, 0x80, 0xde);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          this.string(k);
          if (!this.json(o[k], depth + 1)) return false;
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** A fixarray/fixmap (`fix` | n), 16-bit (`wide`) or 32-bit (`wide` + 1) array or map header. */
  protected collectionHeader(n: number, fix: number, wide: number): void {
    this.room(5);
    const b = this.buf;
    if (n < 16) b[this.pos++] = fix | n;
    else if (n < 65536) {
      b[this.pos++] = wide;
      b.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = wide + 1;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
  }

  /** Bytes that are already one msgpack value. */
  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}
