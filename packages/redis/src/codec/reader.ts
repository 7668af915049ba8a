/**
 * The fast path of record decoding, over the msgpack reader of
 * msgpack-reader.ts: one pass over the bytes, typed fields decoded in place.
 * Anything unusual (a type this reader does not handle, a shape mismatch,
 * trailing bytes) answers `undefined`, and `decodeRecord` falls back to the
 * general msgpackr path, which also produces the precise error. It made
 * decoding a member + user ~2× faster, which is what iteration is bound by.
 */
import type { IdDictionary } from './dictionary.js';
import { assignOwn, Reader, SLOW } from './msgpack-reader.js';
import { codeAt, codeByteCount, strayCodes, type FieldSpec, type Schema } from './schemas.js';

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
