/**
 * The fast path of record decoding: one pass over the bytes, typed fields
 * decoded in place (ids straight from the buffer, no intermediate arrays).
 * Anything unusual (a type this reader does not handle, a shape mismatch,
 * trailing bytes) answers `undefined`, and `decodeRecord` falls back to the
 * general msgpackr path, which also produces the precise error. It made
 * decoding a member + user ~2× faster, which is what iteration is bound by.
 */
import { idFromBytes } from './ids.js';
import { decodeTime, fromMsTime, MS_TIME_BYTES, type FieldKind } from './kinds.js';
import type { IdDictionary } from './dictionary.js';
import { codeAt, codeByteCount, strayCodes, type FieldSpec, type Schema } from './schemas.js';

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
const SLOW: unique symbol = Symbol('slow');
/* eslint-disable @typescript-eslint/only-throw-error -- SLOW is thrown, not an Error: no stack to capture on a hot path, and read() catches it */

/** Two-digit strings `00`…`99` and three-digit strings `000`…`999` (timestamps without padStart). */
const D2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const D3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** `YYYY-MM-DDT` by day number since the epoch (a day's prefix is computed once). */
const dayPrefixes = new Map<number, string>();

/** Latest second {@link fastTime} formats itself (9999-12-31T23:59:59); later or odd values go through kinds.ts. */
const MAX_FAST_SECOND = 253402300799;

/**
 * {@link decodeTime} without a Date and six paddings per value: the same string (timestamps were the
 * largest share of decoding a member). Anything outside 1970–9999 or not an integer goes through it.
 */
function fastTime(stored: number): string {
  let seconds: number;
  let micros = -1;
  if (stored >= 0) seconds = stored;
  else {
    const total = -stored - 1;
    seconds = Math.floor(total / 1_000_000);
    micros = total % 1_000_000;
  }
  if (!Number.isInteger(stored) || seconds > MAX_FAST_SECOND) return decodeTime(stored);
  const day = Math.floor(seconds / 86400);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = decodeTime(day * 86400).slice(0, 11);
    if (dayPrefixes.size >= 100_000) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const s = seconds - day * 86400;
  const hms = `${prefix}${D2[Math.floor(s / 3600)]}:${D2[Math.floor(s / 60) % 60]}:${D2[s % 60]}`;
  return micros < 0 ? `${hms}+00:00` : `${hms}.${D3[Math.floor(micros / 1000)]}${D3[micros % 1000]}+00:00`;
}

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

class Reader {
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

  /** A field of `kind`, or null for nil (what generated decoders call per field). */
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
        return fastTime(t);
      }
      if (b === 0xc4 && this.pos < this.end && this.buf[this.pos] === MS_TIME_BYTES) {
        this.need(1 + MS_TIME_BYTES);
        const at = this.pos + 1;
        this.pos = at + MS_TIME_BYTES;
        return fastTime(fromMsTime(this.buf[at]! * 4294967296 + this.buf.readUInt32BE(at + 1)));
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

const reader = new Reader();

/**
 * Decode a record (its header byte first) written with `schema`, or
 * `undefined` when the general path must handle it.
 */
export function fastDecode(
  bytes: Uint8Array,
  schema: Schema,
  implied: Readonly<Record<string, string>>,
  roles?: IdDictionary,
): Record<string, unknown> | undefined {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return fastDecodeAt(buf, 0, buf.length, schema, implied, roles);
}

/**
 * A decoder generated for one field list, one set of implied keys and one signature: a presence
 * mask (array records) or the code bytes (coded records; see {@link generatedDecoder}).
 */
type ShapeDecoder = (r: Reader, implied: Readonly<Record<string, string>>, usual: readonly unknown[]) => Record<string, unknown>;

/** A generated decoder and the implied keys (in order) it was generated for. */
interface Shape {
  readonly implied: readonly string[];
  readonly decode: ShapeDecoder | null;
}

/** Generated decoders by field list, then by signature (a field list is either array or coded, never both). */
const shapes = new WeakMap<object, Map<number, Shape[]>>();
let shapeCount = 0;

/** Most shapes generated in all (beyond: the generic loop). */
const MAX_SHAPES = 4096;

/** Whether `implied` has exactly the keys `keys`, in that order (no allocation). */
function sameKeys(implied: Readonly<Record<string, string>>, keys: readonly string[]): boolean {
  let i = 0;
  for (const name in implied) if (keys[i++] !== name) return false;
  return i === keys.length;
}

/**
 * The code of field `i` in a signature: for a presence mask, 3 ("a value follows") where its bit is
 * set; for code bytes read as one little-endian number, their 2 bits.
 */
function codeOf(signature: number, coded: boolean, i: number): number {
  const shifted = Math.floor(signature / (coded ? 4 ** i : 2 ** i));
  return coded ? shifted % 4 : shifted % 2 === 1 ? 3 : 0;
}

/**
 * A function that reads the fields of one signature in order and builds the object with one
 * literal (implied keys first, then fields in schema order: the same keys in the same order as the
 * generic loop), so every record of that shape gets its final hidden class at once instead of one
 * transition per property. Field names come from the schemas (constants), quoted with JSON. Null
 * (use the generic loop): a field that is also implied (the generic loop's assignment order is the
 * reference), or a code the general path must report.
 */
function generatedDecoder(fields: readonly FieldSpec[], implied: Readonly<Record<string, string>>, signature: number, coded: boolean): ShapeDecoder | null {
  let bySignature = shapes.get(fields);
  if (!bySignature) {
    bySignature = new Map();
    shapes.set(fields, bySignature);
  }
  let list = bySignature.get(signature);
  if (list) for (const shape of list) if (sameKeys(implied, shape.implied)) return shape.decode;
  if (shapeCount >= MAX_SHAPES) return null;
  const keys: string[] = [];
  const reads: string[] = [];
  const props: string[] = [];
  for (const name in implied) {
    keys.push(name);
    props.push(`${JSON.stringify(name)}: implied[${JSON.stringify(name)}]`);
  }
  const names = new Set(keys);
  let valid = true;
  for (let i = 0; i < fields.length; i++) {
    const code = codeOf(signature, coded, i);
    if (code === 0) continue;
    const [name, kind, usual] = fields[i]!;
    if (names.has(name)) valid = false;
    names.add(name);
    if (code === 1) props.push(`${JSON.stringify(name)}: null`);
    else if (code === 2) {
      if (usual === undefined) valid = false;
      props.push(`${JSON.stringify(name)}: usual[${i}]`);
    } else {
      reads.push(`const v${i} = r.field(${JSON.stringify(kind)});`);
      props.push(`${JSON.stringify(name)}: v${i}`);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point: a decoder compiled for one field list (the source is built here from JSON.stringify'd names)
  const decode = valid ? (new Function('r', 'implied', 'usual', `${reads.join('\n')}\nreturn { ${props.join(', ')} };`) as ShapeDecoder) : null;
  if (!list) {
    list = [];
    bySignature.set(signature, list);
  }
  list.push({ implied: keys, decode });
  shapeCount++;
  return decode;
}

/** No usual values (array records). */
const NO_USUAL: readonly unknown[] = [];

/**
 * {@link fastDecode} of the record at `buf[start, end)` (its header byte at `start`), without
 * slicing it out first: iteration decodes many records out of one reply. An array record or a
 * coded one, as `schema` says (schemas.ts `Schema.coded`).
 */
export function fastDecodeAt(
  buf: Buffer,
  start: number,
  end: number,
  schema: Schema,
  implied: Readonly<Record<string, string>>,
  roles?: IdDictionary,
): Record<string, unknown> | undefined {
  return withReader(buf, start + 1, end, roles, schema.fields, implied, schema.coded ? readCodedRecord : readArrayRecord);
}

/**
 * Run `read` with the shared reader on `buf[pos, end)` (roles: the record's guild's dictionary);
 * undefined when it gives up (the general path takes over) or leaves bytes unread. A top-level
 * `read` and its arguments passed along: no closure per record.
 */
function withReader(
  buf: Buffer,
  pos: number,
  end: number,
  roles: IdDictionary | undefined,
  fields: readonly FieldSpec[],
  implied: Readonly<Record<string, string>>,
  read: (r: Reader, fields: readonly FieldSpec[], implied: Readonly<Record<string, string>>) => Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const r = reader;
  r.buf = buf;
  r.pos = pos;
  r.end = end;
  r.roles = roles;
  try {
    const out = read(r, fields, implied);
    return out !== undefined && r.pos === r.end ? out : undefined;
  } catch (err) {
    if (err === SLOW) return undefined;
    throw err;
  } finally {
    r.buf = EMPTY;
    r.roles = undefined;
  }
}

/** Read the extension map at the reader's position into `out`; false when what is there is not a map. */
function readExtension(r: Reader, out: Record<string, unknown>): boolean {
  if (r.pos >= r.end) return false;
  const b = r.buf[r.pos]!;
  if (!((b >= 0x80 && b < 0x90) || b === 0xde || b === 0xdf)) return false;
  assignOwn(out, r.value() as Record<string, unknown>);
  return true;
}

/** An array record's body: `[presenceMask, ...values, extension?]`. */
function readArrayRecord(r: Reader, fields: readonly FieldSpec[], implied: Readonly<Record<string, string>>): Record<string, unknown> | undefined {
  const n = r.arrayLength(r.u8());
  const mask = r.uint();
  if (mask >= 2 ** fields.length) return undefined;
  let present = 0;
  for (let m = mask; m > 0; m = Math.floor(m / 2)) present += m % 2;
  if (n !== present + 1 && n !== present + 2) return undefined;
  const decode = generatedDecoder(fields, implied, mask, false);
  let out: Record<string, unknown>;
  if (decode) out = decode(r, implied, NO_USUAL);
  else {
    out = {};
    for (const name in implied) out[name] = implied[name];
    let m = mask;
    for (let i = 0; m > 0; i++, m = Math.floor(m / 2)) {
      if (m % 2 === 0) continue;
      const field = fields[i]!;
      out[field[0]] = r.field(field[1]);
    }
  }
  if (n === present + 2 && !readExtension(r, out)) return undefined;
  return out;
}

const EMPTY = Buffer.alloc(0);

/** Code bytes taken as one exact number (a signature); coded schemas with more than 6 code bytes use the generic loop. */
const MAX_SIGNATURE_BYTES = 6;

/** The usual values of a field list, by position (undefined where a field has none). */
const usualOf = new WeakMap<object, unknown[]>();
function usualValues(fields: readonly FieldSpec[]): unknown[] {
  let out = usualOf.get(fields);
  if (!out) {
    out = fields.map((f) => f[2]);
    usualOf.set(fields, out);
  }
  return out;
}

/**
 * A coded record's body (schemas.ts `Schema.coded`): the code bytes, the values of the code-3
 * fields, then the extension map when bytes remain; `undefined` for anything the general path must
 * handle (or report).
 */
function readCodedRecord(r: Reader, fields: readonly FieldSpec[], implied: Readonly<Record<string, string>>): Record<string, unknown> | undefined {
  const buf = r.buf;
  const at = r.pos;
  const n = codeByteCount(fields.length);
  if (at + n > r.end || strayCodes(buf, at, fields.length)) return undefined;
  r.pos = at + n;
  let out: Record<string, unknown> | undefined;
  if (n <= MAX_SIGNATURE_BYTES) {
    let signature = 0;
    for (let k = n - 1; k >= 0; k--) signature = signature * 256 + buf[at + k]!;
    const decode = generatedDecoder(fields, implied, signature, true);
    if (decode) out = decode(r, implied, usualValues(fields));
  }
  if (!out) {
    out = {};
    for (const name in implied) out[name] = implied[name];
    for (let i = 0; i < fields.length; i++) {
      const code = codeAt(buf, at, i);
      if (code === 0) continue;
      const field = fields[i]!;
      if (code === 1) out[field[0]] = null;
      else if (code === 2) {
        if (field[2] === undefined) return undefined;
        out[field[0]] = field[2];
      } else out[field[0]] = r.field(field[1]);
    }
  }
  if (r.pos < r.end && !readExtension(r, out)) return undefined;
  return out;
}
