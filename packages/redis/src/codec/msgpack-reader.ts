/**
 * The msgpack reader of the fast decoding path (reader.ts): one pass over the
 * bytes, typed fields decoded in place (ids straight from the buffer, no
 * intermediate arrays). Anything it does not handle throws {@link SLOW}, and
 * the general msgpackr path takes over.
 */
/* eslint-disable @typescript-eslint/only-throw-error -- SLOW is thrown, not an Error: no stack to capture on a hot path, and reader.ts catches it */
import type { IdDictionary } from './dictionary.js';
import { decodeTimeFast } from './fast-time.js';
import { idFromBytes } from './ids.js';
import { fromMsTime, MS_TIME_BYTES, type FieldKind } from './kinds.js';

/**
 * `obj[key] = value` as an own property even for `__proto__` (a plain assignment would set the
 * object's prototype instead), so a payload's `__proto__` key round-trips like JSON.parse made it.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Every own key of `from` into `to` (see {@link setOwn}). */
export function assignOwn(to: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const key of Object.keys(from)) setOwn(to, key, from[key]);
}

/** Thrown inside the reader to give up on the fast path. */
export const SLOW: unique symbol = Symbol('slow');

/** Buffer's native slicing methods (present on every Node Buffer; not in its typings). */
interface NativeSlices {
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

/** Slots of {@link listedId}'s cache (a power of two). */
const ID_SLOTS = 4096;
const slotHi = new Int32Array(ID_SLOTS);
const slotLo = new Int32Array(ID_SLOTS);
const slotId: Array<string | undefined> = new Array<string | undefined>(ID_SLOTS).fill(undefined);

/**
 * {@link idFromBytes} for ids in lists (a member's roles): the same few role ids come back on
 * every member of a guild, so their decimal strings are kept in a small direct-mapped cache keyed
 * by the id's exact 64 bits (a slot holds the last id that hashed there).
 */
function listedId(buf: Buffer, at: number): string {
  const hi = (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
  const lo = (buf[at + 4]! << 24) | (buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!;
  const slot = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 20;
  const cached = slotId[slot];
  if (cached !== undefined && slotHi[slot] === hi && slotLo[slot] === lo) return cached;
  const id = idFromBytes(buf, at);
  slotHi[slot] = hi;
  slotLo[slot] = lo;
  slotId[slot] = id;
  return id;
}

/** A msgpack reader over `buf[pos, end)`, shared by every fast decode (one at a time). */
export class Reader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  /** End (exclusive) of the record being read. */
  end = 0;
  /** The role dictionary of the record's guild (`roles` fields). */
  roles: IdDictionary | undefined = undefined;

  u8(): number {
    if (this.pos >= this.end) throw SLOW;
    return this.buf[this.pos++]!;
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw SLOW;
  }

  uint(): number {
    const b = this.u8();
    if (b < 0x80) return b;
    const buf = this.buf;
    let v: number;
    switch (b) {
      case 0xcc:
        this.need(1);
        v = buf[this.pos]!;
        this.pos += 1;
        return v;
      case 0xcd:
        this.need(2);
        v = buf.readUInt16BE(this.pos);
        this.pos += 2;
        return v;
      case 0xce:
        this.need(4);
        v = buf.readUInt32BE(this.pos);
        this.pos += 4;
        return v;
      case 0xcf:
        this.need(8);
        v = buf.readUInt32BE(this.pos) * 4294967296 + buf.readUInt32BE(this.pos + 4);
        this.pos += 8;
        return v;
    }
    throw SLOW;
  }

  /** Length of a bin value (0xc4–0xc6). */
  binLength(b: number): number {
    const buf = this.buf;
    let n: number;
    if (b === 0xc4) {
      this.need(1);
      n = buf[this.pos]!;
      this.pos += 1;
    } else if (b === 0xc5) {
      this.need(2);
      n = buf.readUInt16BE(this.pos);
      this.pos += 2;
    } else if (b === 0xc6) {
      this.need(4);
      n = buf.readUInt32BE(this.pos);
      this.pos += 4;
    } else throw SLOW;
    this.need(n);
    return n;
  }

  /** The length of the array whose header byte `b` was just read (fixarray or array 16; anything else is SLOW). */
  arrayLength(b: number): number {
    if (b >= 0x90 && b < 0xa0) return b & 0x0f;
    if (b !== 0xdc) throw SLOW;
    this.need(2);
    const n = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return n;
  }

  str(n: number): string {
    this.need(n);
    // Buffer's own utf8Slice: what toString('utf8', …) ends in, without its argument handling.
    const s = (this.buf as unknown as NativeSlices).utf8Slice(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  array(n: number): unknown[] {
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    return out;
  }

  map(n: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.value();
      // Non-string keys take the general path. `__proto__` (which msgpackr renames) is kept as an own key.
      if (typeof k !== 'string') throw SLOW;
      setOwn(out, k, this.value());
    }
    return out;
  }

  /** Any msgpack value of the kinds JSON-like payloads use. */
  value(): unknown {
    const b = this.u8();
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 256;
    if (b < 0x90) return this.map(b & 0x0f);
    if (b < 0xa0) return this.array(b & 0x0f);
    if (b < 0xc0) return this.str(b & 0x1f);
    return this.tagged(b);
  }

  /** A value whose first byte `b` (0xc0 and up, below the negative fixints) names its type. */
  tagged(b: number): unknown {
    const buf = this.buf;
    let v: number;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca:
        this.need(4);
        v = buf.readFloatBE(this.pos);
        this.pos += 4;
        return v;
      case 0xcb:
        this.need(8);
        v = buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        this.pos--;
        return this.uint();
      case 0xd0:
        this.need(1);
        v = buf.readInt8(this.pos);
        this.pos += 1;
        return v;
      case 0xd1:
        this.need(2);
        v = buf.readInt16BE(this.pos);
        this.pos += 2;
        return v;
      case 0xd2:
        this.need(4);
        v = buf.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      case 0xd3:
        this.need(8);
        v = buf.readInt32BE(this.pos) * 4294967296 + buf.readUInt32BE(this.pos + 4);
        this.pos += 8;
        return v;
      case 0xd4:
        // msgpackr's `undefined`: fixext1 of type 0 and data 0.
        this.need(2);
        if (buf[this.pos] === 0 && buf[this.pos + 1] === 0) {
          this.pos += 2;
          return undefined;
        }
        throw SLOW;
      case 0xd9:
      case 0xda:
      case 0xdb:
      case 0xdc:
      case 0xdd:
      case 0xde:
      case 0xdf:
        return this.sized(b);
    }
    throw SLOW;
  }

  /** A string, array or map whose first byte `b` (0xd9–0xdf) is followed by its length. */
  sized(b: number): unknown {
    const buf = this.buf;
    switch (b) {
      case 0xd9:
        this.need(1);
        return this.str(buf[this.pos++]!);
      case 0xda:
        this.need(2);
        this.pos += 2;
        return this.str(buf.readUInt16BE(this.pos - 2));
      case 0xdb:
        this.need(4);
        this.pos += 4;
        return this.str(buf.readUInt32BE(this.pos - 4));
      case 0xdc:
        this.need(2);
        this.pos += 2;
        return this.array(buf.readUInt16BE(this.pos - 2));
      case 0xdd:
        this.need(4);
        this.pos += 4;
        return this.array(buf.readUInt32BE(this.pos - 4));
      case 0xde:
        this.need(2);
        this.pos += 2;
        return this.map(buf.readUInt16BE(this.pos - 2));
      case 0xdf:
        this.need(4);
        this.pos += 4;
        return this.map(buf.readUInt32BE(this.pos - 4));
    }
    throw SLOW;
  }

  /** A field of `kind`, or null for nil. */
  field(kind: FieldKind): unknown {
    if (this.pos < this.end && this.buf[this.pos] === 0xc0) {
      this.pos++;
      return null;
    }
    return this.typed(kind);
  }

  /** A field of `kind` (never nil: the caller checks). */
  typed(kind: FieldKind): unknown {
    if (kind === 'raw') return this.value();
    const b = this.u8();
    if (kind === 'time') {
      if (b < 0x80 || b >= 0xe0 || (b >= 0xcc && b <= 0xcf) || (b >= 0xd0 && b <= 0xd3)) {
        this.pos--;
        const t = this.value() as number;
        return decodeTimeFast(t);
      }
      if (b === 0xc4 && this.pos < this.end && this.buf[this.pos] === MS_TIME_BYTES) {
        this.need(1 + MS_TIME_BYTES);
        const at = this.pos + 1;
        this.pos = at + MS_TIME_BYTES;
        return decodeTimeFast(fromMsTime(this.buf[at]! * 4294967296 + this.buf.readUInt32BE(at + 1)));
      }
      throw SLOW;
    }
    if (kind === 'roles') {
      // A msgpack array of dictionary indexes. An index beyond the dictionary throws
      // UnknownIndex through to the caller (not SLOW: the general path would too).
      const count = this.arrayLength(b);
      const roles = this.roles;
      if (!roles) throw SLOW;
      const out = new Array<string>(count);
      for (let i = 0; i < count; i++) out[i] = roles.idAt(this.uint());
      return out;
    }
    const n = this.binLength(b);
    const at = this.pos;
    this.pos += n;
    switch (kind) {
      case 'id':
        if (n !== 8) throw SLOW;
        return idFromBytes(this.buf, at);
      case 'ids': {
        if (n % 8 !== 0) throw SLOW;
        const out = new Array<string>(n / 8);
        for (let i = 0; i < out.length; i++) out[i] = listedId(this.buf, at + i * 8);
        return out;
      }
      case 'hash':
        if (n === 16) return (this.buf as unknown as NativeSlices).hexSlice(at, at + 16);
        if (n === 17 && this.buf[at] === 1) return `a_${(this.buf as unknown as NativeSlices).hexSlice(at + 1, at + 17)}`;
        throw SLOW;
    }
    throw SLOW;
  }
}
