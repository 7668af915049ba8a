/**
 * Snowflakes as 8-byte big-endian binary: hash field names and packed id lists.
 * (BigInt here is simple and exact; the hot-path cost is a known lever for the
 * performance work, see README.)
 */

/** The 8-byte big-endian form of a canonical snowflake string. */
export function idBytes(id: string): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeBigUInt64BE(BigInt(id));
  return out;
}

/** The decimal string of the 8-byte id at `offset` of `bytes`. */
export function idFromBytes(bytes: Uint8Array, offset = 0): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getBigUint64(offset).toString();
}

/** Split a packed list of 8-byte ids into decimal strings (a trailing partial id is ignored). */
export function idsFromPacked(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) out.push(idFromBytes(bytes, i));
  return out;
}

const CANONICAL = /^(?:0|[1-9][0-9]{0,19})$/;
const MAX = (1n << 64n) - 1n;

/** Whether `value` is a canonical snowflake that survives the 8-byte form unchanged. */
export function isPackableId(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL.test(value) && (value.length < 20 || BigInt(value) <= MAX);
}
