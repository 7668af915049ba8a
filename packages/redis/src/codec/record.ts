/**
 * Encoding records. The record format: one header byte (resource code × 16 +
 * format version), then a msgpack array `[presenceMask, ...presentFieldValues,
 * extension?]`, or, for coded schemas, code bytes and the values (schemas.ts
 * `Schema.coded`); decoding is decode.ts.
 *
 * Fields are stored by position in their schema (no field names), typed by
 * kind (see kinds.ts). Fields the schema does not know, and known fields whose
 * value has an unusual shape, go verbatim into the trailing extension map, so
 * every payload round-trips exactly. "Implied" fields (ids already in the key,
 * such as a member's guild id) are left out and restored from the key.
 */
import type { ResourceName } from '@sake/abc';
import type { IdDictionary } from './dictionary.js';
import { encodeTimeFast } from './fast-time.js';
import { isPackableId } from './ids.js';
import { msTime, NO_FIT, roleIndexes, type FieldKind } from './kinds.js';
import { setOwn } from './msgpack-reader.js';
import { NO_IMPLIED, packr, type Implied } from './msgpack.js';
import { codeByteCount, CURRENT_SCHEMA, type Schema } from './schemas.js';
import { RecordWriter, type EntryList } from './writer.js';

export { decodeRecord } from './decode.js';
export type { Implied } from './msgpack.js';

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
      const t = encodeTimeFast(value);
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

const indexCache = new WeakMap<Schema, Map<string, number>>();

function schemaIndex(schema: Schema): Map<string, number> {
  let map = indexCache.get(schema);
  if (!map) {
    map = new Map(schema.fields.map(([n], i) => [n, i]));
    indexCache.set(schema, map);
  }
  return map;
}
