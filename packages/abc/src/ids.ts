/** A Discord id as a decimal string: what every sake API returns and stores. */
export type Snowflake = string;

/** What sake APIs accept as an id: a decimal string or a bigint. */
export type Snowflakeish = string | bigint;

const MAX_SNOWFLAKE = (1n << 64n) - 1n;
/** 2^64 - 1 in decimal: a 20-digit id is in range when it is not greater as text (same length). */
const MAX_SNOWFLAKE_TEXT = MAX_SNOWFLAKE.toString();
const INVITE_CODE = /^[A-Za-z0-9_-]{1,100}$/;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects take the other branch; TypeScript does not narrow `unknown` there
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/**
 * Normalise an id to its canonical decimal string.
 *
 * Accepts a decimal string or a bigint in the unsigned 64-bit range. Anything
 * else (numbers, which lose precision above 2^53; strings with signs, spaces,
 * glob characters or CR/LF; out-of-range values) is a `TypeError`, raised
 * before any backend is touched.
 *
 * @param value - the id to normalise
 * @param name - the parameter's name, used in the error message
 */
export function toSnowflake(value: unknown, name = 'id'): Snowflake {
  if (typeof value === 'string') {
    if (isCanonicalDecimal(value)) return value;
  } else if (typeof value === 'bigint') {
    if (value >= 0n && value <= MAX_SNOWFLAKE) return value.toString();
  }
  throw new TypeError(`${name} must be a snowflake (a decimal string or bigint in the unsigned 64-bit range), got ${describe(value)}`);
}

/** Whether `value` is a canonical snowflake string (no normalisation, no throw). */
export function isSnowflake(value: unknown): value is Snowflake {
  return typeof value === 'string' && isCanonicalDecimal(value);
}

/**
 * Whether `value` is 1–20 decimal digits without a leading zero (or just `0`) and at most 2^64 - 1:
 * what `/^(?:0|[1-9][0-9]{0,19})$/` plus a BigInt range check said, without a regex or a BigInt
 * (on every id of every write).
 */
function isCanonicalDecimal(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > 20) return false;
  const first = value.charCodeAt(0);
  if (first === 48) return n === 1;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n < 20 || value <= MAX_SNOWFLAKE_TEXT;
}

/**
 * Validate an invite code (letters, digits, `-` and `_`, at most 100 characters).
 * Anything else is a `TypeError` raised before any backend is touched.
 */
export function toInviteCode(value: unknown, name = 'code'): string {
  if (typeof value === 'string' && INVITE_CODE.test(value)) return value;
  throw new TypeError(`${name} must be an invite code ([A-Za-z0-9_-]{1,100}), got ${describe(value)}`);
}

/**
 * Compare two snowflakes numerically (ids are ordered by creation time).
 * Shorter decimal strings are smaller; equal lengths compare as text.
 */
export function compareSnowflakes(a: Snowflake, b: Snowflake): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The `count` smallest snowflakes of `ids` (by {@link compareSnowflakes}), smallest first: what a
 * channel limit evicts. A few passes over the ids when `count` is small (one id over the limit is
 * the usual case), a sort otherwise.
 */
export function smallestSnowflakes(ids: Iterable<Snowflake>, count: number): Snowflake[] {
  if (!Number.isInteger(count) || count < 0) throw new TypeError(`count must be a non-negative integer, got ${describe(count)}`);
  const all = Array.isArray(ids) ? (ids as Snowflake[]) : [...ids];
  if (count === 0) return [];
  if (count >= all.length) return [...all].sort(compareSnowflakes);
  if (count > 8) return [...all].sort(compareSnowflakes).slice(0, count);
  const out: Snowflake[] = [];
  const taken = new Set<number>();
  for (let k = 0; k < count; k++) {
    let best = -1;
    for (let i = 0; i < all.length; i++) if (!taken.has(i) && (best < 0 || compareSnowflakes(all[i]!, all[best]!) < 0)) best = i;
    taken.add(best);
    out.push(all[best]!);
  }
  return out;
}
