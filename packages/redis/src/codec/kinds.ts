/**
 * Type-aware field kinds. Each kind stores the common shape of a Discord
 * field as something small (8-byte ids, integer or 5-byte timestamps, 16-byte
 * hashes, role indexes); the record writer (record.ts `writeKind`) keeps a
 * value that does not have that shape verbatim in the extension map, so
 * nothing is lost. `null` is always stored as msgpack nil. Here: the shapes,
 * timestamp conversions, and the general decoder of a stored field.
 */
import { idFromBytes } from './ids.js';
import type { IdDictionary } from './dictionary.js';

/**
 * How a schema field is stored. `roles`: a list of role ids as indexes into
 * the guild's role dictionary (see dictionary.ts); a list with a role the
 * dictionary does not hold does not fit.
 */
export type FieldKind = 'raw' | 'id' | 'ids' | 'time' | 'hash' | 'roles';

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

/** Milliseconds of the Discord epoch (2015-01-01T00:00:00Z). */
const DISCORD_EPOCH_MS = 1_420_070_400_000;

/** Bytes of a time stored as milliseconds since the Discord epoch (below 2^40: until 2049). */
export const MS_TIME_BYTES = 5;

/**
 * A time of whole milliseconds (what the gateway sends: `….fff000+00:00`) as milliseconds since the
 * Discord epoch, stored as {@link MS_TIME_BYTES} bytes (7 with the binary's header, against 9 for
 * the microsecond integer); undefined for any other `encodeTime` result (seconds, a microsecond
 * fraction, or out of range).
 */
export function msTime(encoded: number): number | undefined {
  if (encoded >= 0) return undefined;
  const micros = -encoded - 1;
  if (micros % 1000 !== 0) return undefined;
  const ms = micros / 1000 - DISCORD_EPOCH_MS;
  return ms >= 0 && ms < 2 ** 40 ? ms : undefined;
}

/** The `encodeTime` form (negative microseconds) of a time stored by {@link msTime}. */
export function fromMsTime(ms: number): number {
  return -((ms + DISCORD_EPOCH_MS) * 1000) - 1;
}

/** The Discord timestamp of a stored time (see encodeTime). */
export function decodeTime(stored: number): string {
  if (stored >= 0) return formatTimestamp(stored, undefined);
  const total = -stored - 1;
  return formatTimestamp(Math.floor(total / 1_000_000), total % 1_000_000);
}

/** The dictionary indexes of a list of role ids, or undefined when it is not one or a role is not in `roles`. */
export function roleIndexes(value: unknown, roles: IdDictionary | undefined): number[] | undefined {
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

/**
 * Decode a stored field; throws a `TypeError` describing the problem when the bytes can't be of this
 * kind (and passes on `UnknownIndex` when `roles` is behind the stored dictionary).
 */
export function decodeKind(kind: FieldKind, stored: unknown, roles?: IdDictionary): unknown {
  if (stored === null || kind === 'raw') return stored;
  switch (kind) {
    case 'roles':
      if (Array.isArray(stored) && stored.every((i) => Number.isSafeInteger(i) && (i as number) >= 0)) {
        if (!roles) throw new TypeError("a role index list read without its guild's role dictionary");
        return (stored as number[]).map((i) => roles.idAt(i));
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
      if (stored instanceof Uint8Array && stored.length === MS_TIME_BYTES)
        return decodeTime(fromMsTime(stored[0]! * 4294967296 + Buffer.from(stored.buffer, stored.byteOffset, 5).readUInt32BE(1)));
      break;
    case 'hash':
      if (stored instanceof Uint8Array && stored.length === 16) return Buffer.from(stored).toString('hex');
      if (stored instanceof Uint8Array && stored.length === 17 && stored[0] === 1) return `a_${Buffer.from(stored.subarray(1)).toString('hex')}`;
      break;
  }
  throw new TypeError(`field of kind ${kind} holds an unexpected ${stored instanceof Uint8Array ? `${stored.length}-byte binary` : typeof stored}`);
}
