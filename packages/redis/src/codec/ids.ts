/**
 * Snowflakes as 8-byte big-endian binary: hash field names and packed id lists.
 *
 * No BigInt on these paths: every member, user and role id goes through them,
 * and BigInt parsing/printing allocates (it was a visible share of an ingest
 * profile). Decimal ↔ binary is done with exact double arithmetic instead.
 */

const TWO32 = 4294967296;

/** Write the canonical decimal snowflake `id` as 8 big-endian bytes at `offset` of `out`. */
export function writeId(out: Uint8Array, offset: number, id: string): void {
  // Four 16-bit limbs, little end first; each step multiplies by ≤ 10^4 and stays well inside 2^53.
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  const n = id.length;
  let i = 0;
  while (i < n) {
    const take = Math.min(4, n - i);
    let chunk = 0;
    let scale = 1;
    for (let k = 0; k < take; k++) {
      chunk = chunk * 10 + (id.charCodeAt(i + k) - 48);
      scale *= 10;
    }
    i += take;
    let t = l0 * scale + chunk;
    l0 = t % 65536;
    t = l1 * scale + Math.floor(t / 65536);
    l1 = t % 65536;
    t = l2 * scale + Math.floor(t / 65536);
    l2 = t % 65536;
    t = l3 * scale + Math.floor(t / 65536);
    l3 = t % 65536;
  }
  out[offset] = l3 >>> 8;
  out[offset + 1] = l3 & 255;
  out[offset + 2] = l2 >>> 8;
  out[offset + 3] = l2 & 255;
  out[offset + 4] = l1 >>> 8;
  out[offset + 5] = l1 & 255;
  out[offset + 6] = l0 >>> 8;
  out[offset + 7] = l0 & 255;
}

/** The 8-byte big-endian form of a canonical snowflake string. */
export function idBytes(id: string): Buffer {
  const out = Buffer.allocUnsafe(8);
  writeId(out, 0, id);
  return out;
}

/** The decimal string of the 8-byte id at `offset` of `bytes`. */
export function idFromBytes(bytes: Uint8Array, offset = 0): string {
  const hi = ((bytes[offset]! << 24) >>> 0) + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!;
  const lo = ((bytes[offset + 4]! << 24) >>> 0) + (bytes[offset + 5]! << 16) + (bytes[offset + 6]! << 8) + bytes[offset + 7]!;
  if (hi < 2097152) return String(hi * TWO32 + lo); // below 2^53: exact as a double
  // value = hi·2^32 + lo = (hi·4294 + ⌊r/10^6⌋)·10^6 + r mod 10^6, with r = hi·967296 + lo < 2^53.
  const r = hi * 967296 + lo;
  const q = hi * 4294 + Math.floor(r / 1e6);
  const rem = r % 1e6;
  return `${q}${PAD3[Math.floor(rem / 1000)]}${PAD3[rem % 1000]}`;
}

/** `000`…`999`: the low six digits of an id without padStart. */
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

const MAX_DECIMAL = '18446744073709551615';

/** Whether `value` is a canonical snowflake that survives the 8-byte form unchanged. */
export function isPackableId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const n = value.length;
  if (n === 0 || n > 20 || (n > 1 && value.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n < 20 || value <= MAX_DECIMAL;
}
