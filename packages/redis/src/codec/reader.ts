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
  const out: Record<string, unknown> = {};
  for (const name in implied) out[name] = implied[name];
  let m = mask;
  for (let i = 0; m > 0; i++, m = Math.floor(m / 2)) {
    if (m % 2 === 0) continue;
    const field = fields[i]!;
    out[field[0]] = r.field(field[1]);
  }
  if (n === present + 2 && !readExtension(r, out)) return undefined;
  return out;
}

const EMPTY = Buffer.alloc(0);

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
  const out: Record<string, unknown> = {};
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
  if (r.pos < r.end && !readExtension(r, out)) return undefined;
  return out;
}
