/**
 * Decoding records (the format is record.ts'): the fast path (reader.ts)
 * first, then msgpackr's general path, which also names what is wrong.
 */
import { InvalidDataFound, type ResourceName } from '@sake/abc';
import { UnknownIndex, type IdDictionary } from './dictionary.js';
import { decodeKind } from './kinds.js';
import { assignOwn } from './msgpack-reader.js';
import { NO_IMPLIED, packr, type Implied } from './msgpack.js';
import { fastDecode } from './reader.js';
import { codeAt, codeByteCount, SCHEMA_BY_HEADER, strayCodes, type Schema } from './schemas.js';

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
function decodeCoded<T>(
  schema: Schema,
  bytes: Uint8Array,
  implied: Implied,
  roles: IdDictionary | undefined,
  fail: (detail: string, cause?: unknown) => never,
): T {
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
