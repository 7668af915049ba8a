/**
 * Type-aware field encodings. Each kind turns the common shape of a Discord
 * field into something small (8-byte ids, integer timestamps, 16-byte hashes)
 * and answers `undefined` when a value does not have that shape: the record
 * codec then keeps the value verbatim in the extension map, so nothing is lost.
 * `null` is always stored as msgpack nil.
 */
import { idBytes, idFromBytes, isPackableId, writeId } from './ids.js';
import { roleIndexLength, writeRoleIndex, type RoleDictionary } from './roles.js';

/**
 * How a schema field is stored. `roles`: a list of role ids as indexes into
 * the guild's role dictionary (see roles.ts); a list with a role the
 * dictionary does not hold does not fit.
 */
export type FieldKind = 'raw' | 'id' | 'ids' | 'time' | 'hash' | 'roles';

/** Stored form of a field value: what msgpack writes. */
export type Stored = unknown;

/** Marker: the value does not fit the kind and goes to the extension map. */
export const NO_FIT: unique symbol = Symbol('no-fit');

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{6}))?\+00:00$/;
/** An image hash: optional `a_` (animated) and 32 lowercase hex digits. */
export const HASH = /^(a_)?([0-9a-f]{32})$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatTimestamp(seconds: number, micros: number | undefined): string {
  const d = new Date(seconds * 1000);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return micros === undefined ? `${base}+00:00` : `${base}.${pad(micros, 6)}+00:00`;
}

/**
 * Discord's ISO timestamps: `…+00:00` → integer seconds (≥ 0); `….ffffff+00:00`
 * → -(microseconds + 1) (< 0). Any other spelling does not fit.
 */
export function encodeTime(value: string): number | typeof NO_FIT {
  const m = TIMESTAMP.exec(value);
  if (!m) return NO_FIT;
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  const hour = +m[4]!;
  const minute = +m[5]!;
  const second = +m[6]!;
  // Only values Date would not normalise (no month 13, Feb 30, hour 24…) come back byte for byte.
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return NO_FIT;
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  return m[7] === undefined ? seconds : -(seconds * 1_000_000 + +m[7]) - 1;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The Discord timestamp of a stored time (see encodeTime). */
export function decodeTime(stored: number): string {
  if (stored >= 0) return formatTimestamp(stored, undefined);
  const total = -stored - 1;
  return formatTimestamp(Math.floor(total / 1_000_000), total % 1_000_000);
}

/** Encode `value` for `kind`; {@link NO_FIT} when it must be kept verbatim instead. */
export function encodeKind(kind: FieldKind, value: unknown, roles?: RoleDictionary): Stored | typeof NO_FIT {
  if (value === null || kind === 'raw') return value;
  switch (kind) {
    case 'roles': {
      const indexes = roleIndexes(value, roles);
      if (!indexes) return NO_FIT;
      let n = 0;
      for (const i of indexes) n += roleIndexLength(i);
      const out = Buffer.allocUnsafe(n);
      let at = 0;
      for (const i of indexes) at = writeRoleIndex(out, at, i);
      return out;
    }
    case 'id':
      return isPackableId(value) ? idBytes(value) : NO_FIT;
    case 'ids': {
      if (!Array.isArray(value) || !value.every(isPackableId)) return NO_FIT;
      const out = Buffer.allocUnsafe(value.length * 8);
      for (let i = 0; i < value.length; i++) writeId(out, i * 8, value[i] as string);
      return out;
    }
    case 'time':
      return typeof value === 'string' ? encodeTime(value) : NO_FIT;
    case 'hash': {
      const m = typeof value === 'string' ? HASH.exec(value) : null;
      if (!m) return NO_FIT;
      if (!m[1]) return Buffer.from(m[2]!, 'hex');
      const out = Buffer.allocUnsafe(17);
      out[0] = 1;
      out.write(m[2]!, 1, 'hex');
      return out;
    }
  }
}

/** The dictionary indexes of a list of role ids, or undefined when it is not one or a role is not in `roles`. */
export function roleIndexes(value: unknown, roles: RoleDictionary | undefined): number[] | undefined {
  if (!roles || !Array.isArray(value)) return undefined;
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    const at = typeof v === 'string' ? roles.indexOf(v) : -1;
    if (at < 0) return undefined;
    out[i] = at;
  }
  return out;
}

/** The role ids of a stored `roles` field (see {@link roleIndexes}); `UnknownRoleIndex` from `roles` when it is behind. */
export function decodeRoleIndexes(bytes: Uint8Array, start: number, end: number, roles: RoleDictionary | undefined): string[] | undefined {
  const out: string[] = [];
  let v = 0;
  let shift = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    v += (b & 0x7f) * 2 ** shift;
    if (b & 0x80) {
      shift += 7;
      if (shift > 28) return undefined;
      continue;
    }
    if (!roles) return undefined;
    out.push(roles.idAt(v));
    v = 0;
    shift = 0;
  }
  return shift === 0 ? out : undefined;
}

/**
 * Decode a stored field; throws a `TypeError` describing the problem when the bytes can't be of this
 * kind (and passes on `UnknownRoleIndex` when `roles` is behind the stored dictionary).
 */
export function decodeKind(kind: FieldKind, stored: unknown, roles?: RoleDictionary): unknown {
  if (stored === null || kind === 'raw') return stored;
  switch (kind) {
    case 'roles':
      if (stored instanceof Uint8Array) {
        if (!roles) throw new TypeError('a role index list read without its guild\'s role dictionary');
        const ids = decodeRoleIndexes(stored, 0, stored.length, roles);
        if (ids) return ids;
      }
      break;
    case 'id':
      if (stored instanceof Uint8Array && stored.length === 8) return idFromBytes(stored);
      break;
    case 'ids':
      if (stored instanceof Uint8Array && stored.length % 8 === 0) {
        const out: string[] = [];
        for (let i = 0; i < stored.length; i += 8) out.push(idFromBytes(stored, i));
        return out;
      }
      break;
    case 'time':
      if (typeof stored === 'number' && Number.isInteger(stored)) return decodeTime(stored);
      break;
    case 'hash':
      if (stored instanceof Uint8Array && stored.length === 16) return Buffer.from(stored).toString('hex');
      if (stored instanceof Uint8Array && stored.length === 17 && stored[0] === 1) return `a_${Buffer.from(stored.subarray(1)).toString('hex')}`;
      break;
  }
  throw new TypeError(`field of kind ${kind} holds an unexpected ${stored instanceof Uint8Array ? `${stored.length}-byte binary` : typeof stored}`);
}
