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
import { decodeKind, encodeTime, HASH, NO_FIT, type FieldKind } from './kinds.js';
import { assignOwn, fastDecode, setOwn } from './reader.js';
import { RecordWriter, type EntryList } from './writer.js';
import { CURRENT_SCHEMA, SCHEMA_BY_HEADER, type Schema } from './schemas.js';

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
 */
export function encodeRecord(resource: ResourceName, value: object, implied: Implied = NO_IMPLIED, omit?: string): Buffer {
  const schema = CURRENT_SCHEMA[resource];
  const count = writeBody(schema, value, implied, omit);
  return writer.end(schema.header, lastMask, count);
}

/**
 * Encode like {@link encodeRecord} and append the result to `out` as a packed entry keyed by the
 * 8-byte form of `id` (and `seed`, when given): see {@link RecordWriter.endEntry}. Same bytes.
 */
export function encodeEntry(resource: ResourceName, value: object, implied: Implied, omit: string | undefined, out: EntryList, id: string, seed?: number): void {
  const schema = CURRENT_SCHEMA[resource];
  const count = writeBody(schema, value, implied, omit);
  writer.endEntry(schema.header, lastMask, count, out, id, seed);
}

/** Presence mask of the last {@link writeBody}. */
let lastMask = 0;

/** Write a record's values into the writer; returns the array length (the mask is left in `lastMask`). */
function writeBody(schema: Schema, value: object, implied: Implied, omit: string | undefined): number {
  const source = value as Record<string, unknown>;
  const w = writer;
  w.begin();
  let count = 1;
  let mask = 0;
  let ext: Record<string, unknown> | undefined;
  const fields = schema.fields;
  const index = schemaIndex(schema);
  // Walk the value's own keys once (payloads carry a fraction of the schema's fields), then
  // emit the present ones in schema order.
  let found = 0;
  const slots = SLOTS;
  const names = Object.keys(source);
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (name === omit) continue;
    const at = index.get(name);
    if (at === undefined) setOwn((ext ??= {}), name, source[name]);
    else {
      slots[at] = 1;
      found++;
    }
  }
  try {
    for (let i = 0; found > 0 && i < fields.length; i++) {
      if (slots[i] === 0) continue;
      slots[i] = 0;
      found--;
      const field = fields[i]!;
      const name = field[0];
      const v = source[name];
      const same = implied[name];
      if (same !== undefined && v === same) continue;
      if (!writeKind(w, field[1], v)) {
        setOwn((ext ??= {}), name, v);
        continue;
      }
      mask += 2 ** i;
      count++;
    }
  } catch (err) {
    slots.fill(0);
    throw err;
  }
  if (ext) {
    w.raw(packr.pack(ext));
    count++;
  }
  lastMask = mask;
  return count;
}

const writer = new RecordWriter((v) => packr.pack(v));

/** Write `value` as `kind` (see kinds.ts); false when it does not fit and must go to the extension map. */
function writeKind(w: RecordWriter, kind: FieldKind, value: unknown): boolean {
  if (value === null) {
    w.nil();
    return true;
  }
  switch (kind) {
    case 'raw':
      w.value(value);
      return true;
    case 'id':
      if (!isPackableId(value)) return false;
      w.id(value);
      return true;
    case 'ids':
      if (!Array.isArray(value)) return false;
      for (let i = 0; i < value.length; i++) if (!isPackableId(value[i])) return false;
      w.ids(value as string[]);
      return true;
    case 'time': {
      if (typeof value !== 'string') return false;
      const t = encodeTime(value);
      if (t === NO_FIT) return false;
      w.number(t);
      return true;
    }
    case 'hash': {
      const m = typeof value === 'string' ? HASH.exec(value) : null;
      if (!m) return false;
      w.hash(m[2]!, m[1] !== undefined);
      return true;
    }
  }
}

const indexCache = new WeakMap<Schema, Map<string, number>>();

/** Scratch flags of the fields present in the value being encoded (all 0 between calls). */
const SLOTS = new Uint8Array(64);

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
 * naming the key.
 */
export function decodeRecord<T>(resource: ResourceName, bytes: Uint8Array, key: string, implied: Implied = NO_IMPLIED): T {
  const fail = (detail: string, cause?: unknown): never => {
    throw new InvalidDataFound(key, detail, cause === undefined ? {} : { cause });
  };
  if (bytes.length < 2) fail(`${bytes.length}-byte value is too short to be a sake ${resource} record`);
  const header = bytes[0]!;
  const schema = SCHEMA_BY_HEADER.get(header);
  if (!schema) fail(`unknown record header 0x${header.toString(16).padStart(2, '0')} (not a sake ${resource} record, or written by a newer version)`);
  if (schema!.resource !== resource) fail(`holds a ${schema!.resource} record where a ${resource} record was expected`);
  const fast = fastDecode(bytes, schema!.fields, implied);
  if (fast) return fast as T;
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
      out[name] = decodeKind(kind, list[pos++]);
    }
  } catch (err) {
    fail((err as Error).message, err);
  }
  if (list.length === present + 2) {
    const ext = list[present + 1];
    if (typeof ext !== 'object' || ext === null || Array.isArray(ext) || ext instanceof Uint8Array) fail('record has an invalid extension map');
    assignOwn(out, ext as Record<string, unknown>);
  }
  return out as T;
}
