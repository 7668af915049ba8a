/**
 * The record format: one header byte (resource code × 16 + format version),
 * then a msgpack array `[presenceMask, ...presentFieldValues, extension?]`.
 *
 * Fields are stored by position in their schema (no field names), typed by
 * kind (see kinds.ts). Fields the schema does not know, and known fields whose
 * value has an unusual shape, go verbatim into the trailing extension map, so
 * every payload round-trips exactly. "Implied" fields (ids already in the key,
 * such as a member's guild id) are left out and restored from the key.
 */
import { InvalidDataFound, type ResourceName } from '@sake/abc';
import { Packr } from 'msgpackr';
import { isPackableId } from './ids.js';
import { decodeKind, encodeTime, msTime, NO_FIT, roleIndexes, type FieldKind } from './kinds.js';
import { assignOwn, fastDecode, setOwn } from './reader.js';
import { RecordWriter, type EntryList } from './writer.js';
import { UnknownIndex, type IdDictionary } from './dictionary.js';
import { codeAt, codeByteCount, CURRENT_SCHEMA, SCHEMA_BY_HEADER, strayCodes, type Schema } from './schemas.js';

/**
 * Plain msgpack, no records/structures learned at run time: bytes written by
 * one process are readable by any other. Works with or without msgpackr's
 * optional native add-on.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true, int64AsType: 'number', mapsAsObjects: true });

/** Field values known from the key, keyed by field name. */
export type Implied = Readonly<Record<string, string>>;

const NO_IMPLIED: Implied = {};

/**
 * Encode `value` as a record of `resource`, leaving out `implied` fields that
 * match and the own property named `omit` (a member's `user`, stored apart).
 * `roles`: the guild's role dictionary (members; without it, or for a role it
 * does not hold, the roles are kept verbatim in the extension map).
 */
export function encodeRecord(resource: ResourceName, value: object, implied: Implied = NO_IMPLIED, omit?: string, roles?: IdDictionary): Buffer {
  const schema = CURRENT_SCHEMA[resource];
  writer.begin();
  const count = writeBody(schema, value, implied, omit, roles);
  return schema.coded ? writer.endCoded(schema.header, codes, codeLength) : writer.end(schema.header, lastMask, count);
}

/**
 * Encode like {@link encodeRecord} and append the result to `out` as a packed entry keyed by the
 * 8-byte form of `id` (and `seed`, when given): see {@link RecordWriter.endEntry}. Same bytes.
 */
export function encodeEntry(
  resource: ResourceName,
  value: object,
  implied: Implied,
  omit: string | undefined,
  out: EntryList,
  id: string,
  seed?: number,
  roles?: IdDictionary,
): void {
  const schema = CURRENT_SCHEMA[resource];
  writer.beginEntry(out);
  let count: number;
  try {
    count = writeBody(schema, value, implied, omit, roles);
  } catch (err) {
    writer.detach();
    throw err;
  }
  if (schema.coded) writer.endEntryCoded(schema.header, codes, codeLength, out, id, seed);
  else writer.endEntry(schema.header, lastMask, count, out, id, seed);
}

/** Presence mask of the last {@link writeBody} (array records). */
let lastMask = 0;

/** Code bytes of the last {@link writeBody} of a coded record (schemas.ts `Schema.coded`), and how many. */
const codes = new Uint8Array(16);
let codeLength = 0;

/** Numeric field kinds (the schema's `FieldKind`s, for a switch on integers). */
const RAW = 0;
const ID = 1;
const IDS = 2;
const TIME = 3;
const HASH_KIND = 4;
const ROLES = 5;
const KIND_CODE: Record<FieldKind, number> = { raw: RAW, id: ID, ids: IDS, time: TIME, hash: HASH_KIND, roles: ROLES };

/**
 * The fields of a value with one particular key list (payloads of one kind nearly always come
 * with the same keys in the same order): the schema positions present, in schema order, and the
 * keys the schema does not know, in key order.
 */
interface Shape {
  readonly keys: readonly string[];
  readonly omit: string | undefined;
  readonly order: readonly number[];
  readonly unknown: readonly string[];
}

/** A schema prepared for encoding, with the last few key lists seen. */
interface Prepared {
  readonly names: readonly string[];
  readonly kinds: readonly number[];
  /** 2^i: the mask bit of field i. */
  readonly bits: readonly number[];
  /** Whether field i has a usual value (coded records), and the value. */
  readonly hasUsual: readonly boolean[];
  readonly usual: readonly unknown[];
  readonly index: ReadonlyMap<string, number>;
  readonly shapes: Shape[];
}

/** Key lists remembered per schema. */
const SHAPES_KEPT = 8;

const prepared = new WeakMap<Schema, Prepared>();

function prepare(schema: Schema): Prepared {
  let p = prepared.get(schema);
  if (!p) {
    p = {
      names: schema.fields.map(([name]) => name),
      kinds: schema.fields.map(([, kind]) => KIND_CODE[kind]),
      bits: schema.fields.map((_, i) => 2 ** i),
      hasUsual: schema.fields.map((f) => f.length > 2 && f[2] !== undefined),
      usual: schema.fields.map((f) => f[2]),
      index: schemaIndex(schema),
      shapes: [],
    };
    prepared.set(schema, p);
  }
  return p;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The shape of a value whose own keys are `keys` (cached: a hit costs one comparison of the key lists). */
function shapeOf(p: Prepared, keys: string[], omit: string | undefined): Shape {
  const shapes = p.shapes;
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i]!;
    if (s.omit === omit && sameKeys(s.keys, keys)) return s;
  }
  const order: number[] = [];
  const unknown: string[] = [];
  for (const name of keys) {
    if (name === omit) continue;
    const at = p.index.get(name);
    if (at === undefined) unknown.push(name);
    else order.push(at);
  }
  order.sort((a, b) => a - b);
  const shape: Shape = { keys, omit, order, unknown };
  if (shapes.length >= SHAPES_KEPT) shapes.pop();
  shapes.unshift(shape);
  return shape;
}

/**
 * Write a record's values into the writer (after its begin); returns the array length (the mask is
 * left in `lastMask`). A coded record's codes are left in `codes`: there a null or a field's usual
 * value is a code and no byte, every other known value is written and coded 3.
 */
function writeBody(schema: Schema, value: object, implied: Implied, omit: string | undefined, roles: IdDictionary | undefined): number {
  const source = value as Record<string, unknown>;
  const w = writer;
  const coded = schema.coded;
  let count = 1;
  let mask = 0;
  let ext: Record<string, unknown> | undefined;
  const p = prepare(schema);
  if (coded) {
    codeLength = codeByteCount(schema.fields.length);
    codes.fill(0, 0, codeLength);
  }
  // The value's own keys, matched to the schema once per key list (see Shape): unknown keys go to
  // the extension map in key order, then the present fields are written in schema order.
  const shape = shapeOf(p, Object.keys(source), omit);
  const unknown = shape.unknown;
  for (let k = 0; k < unknown.length; k++) setOwn((ext ??= {}), unknown[k]!, source[unknown[k]!]);
  const order = shape.order;
  const names = p.names;
  const kinds = p.kinds;
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    const name = names[i]!;
    const v = source[name];
    const same = implied[name];
    if (same !== undefined && v === same) continue;
    if (coded) {
      let code: number;
      // Object.is: a -0 is not the usual 0 (it must come back as -0).
      if (v === null) code = 1;
      else if (p.hasUsual[i] && Object.is(v, p.usual[i])) code = 2;
      else if (writeKind(w, kinds[i]!, v, roles)) code = 3;
      else {
        setOwn((ext ??= {}), name, v);
        continue;
      }
      codes[i >> 2]! |= code << ((i & 3) * 2);
      continue;
    }
    if (!writeKind(w, kinds[i]!, v, roles)) {
      setOwn((ext ??= {}), name, v);
      continue;
    }
    mask += p.bits[i]!;
    count++;
  }
  if (ext) {
    w.value(ext);
    count++;
  }
  lastMask = mask;
  return count;
}

const writer = new RecordWriter((v) => packr.pack(v));

/** Write `value` as `kind` (a KIND_CODE; see kinds.ts); false when it does not fit and must go to the extension map. */
function writeKind(w: RecordWriter, kind: number, value: unknown, roles: IdDictionary | undefined): boolean {
  if (value === null) {
    w.nil();
    return true;
  }
  switch (kind) {
    case RAW:
      w.value(value);
      return true;
    case ID:
      if (!isPackableId(value)) return false;
      w.id(value);
      return true;
    case IDS:
      if (!Array.isArray(value)) return false;
      for (let i = 0; i < value.length; i++) if (!isPackableId(value[i])) return false;
      w.ids(value as string[]);
      return true;
    case ROLES: {
      const indexes = roleIndexes(value, roles);
      if (!indexes) return false;
      w.roleIndexes(indexes);
      return true;
    }
    case TIME: {
      if (typeof value !== 'string') return false;
      const t = fastTime(value);
      if (t === NO_FIT) return false;
      const ms = msTime(t);
      if (ms === undefined) w.number(t);
      else w.msTime(ms);
      return true;
    }
    default: {
      // HASH_KIND: optional `a_` and 32 lowercase hex digits (kinds.ts HASH), checked without a regex.
      if (typeof value !== 'string') return false;
      const n = value.length;
      const animated = n === 34 && value.charCodeAt(0) === 97 && value.charCodeAt(1) === 95;
      if (n !== 32 && !animated) return false;
      for (let i = animated ? 2 : 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
      }
      w.hash(animated ? value.slice(2) : value, animated);
      return true;
    }
  }
}

/** The two decimal digits at `i` of `s` as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * kinds.ts `encodeTime` without a regex for the two spellings Discord sends
 * (`YYYY-MM-DDTHH:MM:SS+00:00` and `….ffffff+00:00`), same result; anything
 * else goes to `encodeTime` itself.
 */
function fastTime(s: string): number | typeof NO_FIT {
  const n = s.length;
  if (
    (n !== 25 && n !== 32) ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58 ||
    (n === 32 && s.charCodeAt(19) !== 46) ||
    s.charCodeAt(n - 6) !== 43 ||
    s.charCodeAt(n - 5) !== 48 ||
    s.charCodeAt(n - 4) !== 48 ||
    s.charCodeAt(n - 3) !== 58 ||
    s.charCodeAt(n - 2) !== 48 ||
    s.charCodeAt(n - 1) !== 48
  ) {
    return encodeTime(s);
  }
  const century = two(s, 0);
  const years = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  const f1 = n === 32 ? two(s, 20) : 0;
  const f2 = n === 32 ? two(s, 22) : 0;
  const f3 = n === 32 ? two(s, 24) : 0;
  if ((century | years | month | day | hour | minute | second | f1 | f2 | f3) < 0) return encodeTime(s);
  const year = century * 100 + years;
  const micros = f1 * 10000 + f2 * 100 + f3;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return NO_FIT;
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  return n === 25 ? seconds : -(seconds * 1_000_000 + micros) - 1;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const indexCache = new WeakMap<Schema, Map<string, number>>();


function schemaIndex(schema: Schema): Map<string, number> {
  let map = indexCache.get(schema);
  if (!map) {
    map = new Map(schema.fields.map(([n], i) => [n, i]));
    indexCache.set(schema, map);
  }
  return map;
}

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m > 0; m = Math.floor(m / 2)) n += m % 2;
  return n;
}

/**
 * Decode a record of `resource` stored under `key`. Unknown header, wrong
 * resource, corrupt msgpack or an impossible structure → `InvalidDataFound`
 * naming the key; a role index beyond `roles` → {@link UnknownIndex}
 * (refresh the dictionary and decode again).
 */
export function decodeRecord<T>(resource: ResourceName, bytes: Uint8Array, key: string, implied: Implied = NO_IMPLIED, roles?: IdDictionary): T {
  const fail = (detail: string, cause?: unknown): never => {
    throw new InvalidDataFound(key, detail, cause === undefined ? {} : { cause });
  };
  if (bytes.length < 2) fail(`${bytes.length}-byte value is too short to be a sake ${resource} record`);
  const header = bytes[0]!;
  const schema = SCHEMA_BY_HEADER.get(header);
  if (!schema) fail(`unknown record header 0x${header.toString(16).padStart(2, '0')} (not a sake ${resource} record, or written by a newer version)`);
  if (schema!.resource !== resource) fail(`holds a ${schema!.resource} record where a ${resource} record was expected`);
  const fast = fastDecode(bytes, schema!, implied, roles);
  if (fast) return fast as T;
  if (schema!.coded) return decodeCoded<T>(schema!, bytes, implied, roles, fail);
  let parts: unknown;
  try {
    parts = packr.unpack(bytes.subarray(1));
  } catch (err) {
    fail(`corrupt msgpack body (${(err as Error).message})`, err);
  }
  if (!Array.isArray(parts) || parts.length === 0) return fail('record body is not a msgpack array');
  const mask = (parts as unknown[])[0];
  const fields = schema!.fields;
  if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 0 || mask >= 2 ** fields.length) fail('record has an invalid presence mask');
  const present = popcount(mask as number);
  const list = parts as unknown[];
  if (list.length !== present + 1 && list.length !== present + 2) fail(`record has ${list.length - 1} values for ${present} present fields`);
  const out: Record<string, unknown> = {};
  for (const name in implied) out[name] = implied[name];
  let pos = 1;
  let m = mask as number;
  try {
    for (let i = 0; m > 0; i++, m = Math.floor(m / 2)) {
      if (m % 2 === 0) continue;
      const [name, kind] = fields[i]!;
      out[name] = decodeKind(kind, list[pos++], roles);
    }
  } catch (err) {
    if (err instanceof UnknownIndex) throw err;
    fail((err as Error).message, err);
  }
  if (list.length === present + 2) {
    const ext = list[present + 1];
    if (!isExtension(ext)) fail('record has an invalid extension map');
    assignOwn(out, ext as Record<string, unknown>);
  }
  return out as T;
}

/** Whether `v` can be a record's extension map. */
function isExtension(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** The general path of {@link decodeRecord} for a coded record (schemas.ts `Schema.coded`): msgpackr value by value, which also names what is wrong. */
function decodeCoded<T>(schema: Schema, bytes: Uint8Array, implied: Implied, roles: IdDictionary | undefined, fail: (detail: string, cause?: unknown) => never): T {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields = schema.fields;
  const n = codeByteCount(fields.length);
  if (buf.length < 1 + n) fail(`${buf.length}-byte value is too short for the ${n} code bytes of a ${schema.resource} record`);
  if (strayCodes(buf, 1, fields.length)) fail('record has codes for fields its schema does not have');
  let values: unknown[] = [];
  try {
    if (buf.length > 1 + n) values = packr.unpackMultiple(buf.subarray(1 + n)) as unknown[];
  } catch (err) {
    fail(`corrupt msgpack body (${(err as Error).message})`, err);
  }
  const out: Record<string, unknown> = {};
  for (const name in implied) out[name] = implied[name];
  let pos = 0;
  try {
    for (let i = 0; i < fields.length; i++) {
      const code = codeAt(buf, 1, i);
      if (code === 0) continue;
      const [name, kind, usual] = fields[i]!;
      if (code === 1) out[name] = null;
      else if (code === 2) {
        if (usual === undefined) fail(`record codes field ${name} as its usual value, which it does not have`);
        out[name] = usual;
      } else {
        if (pos >= values.length) fail(`record has fewer values than its codes name`);
        out[name] = decodeKind(kind, values[pos++], roles);
      }
    }
  } catch (err) {
    if (err instanceof UnknownIndex || err instanceof InvalidDataFound) throw err;
    fail((err as Error).message, err);
  }
  if (pos < values.length) {
    const ext = values[pos++];
    if (!isExtension(ext)) fail('record has an invalid extension map');
    assignOwn(out, ext);
  }
  if (pos !== values.length) fail(`record has ${values.length - pos} values beyond its codes and extension map`);
  return out as T;
}
