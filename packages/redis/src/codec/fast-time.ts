/**
 * Discord timestamps both ways without a regex or a Date per value, for the
 * two spellings the gateway sends (`YYYY-MM-DDTHH:MM:SS+00:00` and
 * `….ffffff+00:00`): the same results as kinds.ts `encodeTime`/`decodeTime`,
 * which take every other case. Timestamps were the largest share of coding a
 * member.
 */
import { decodeTime, encodeTime, NO_FIT } from './kinds.js';

/** Two-digit strings `00`…`99` and three-digit strings `000`…`999` (timestamps without padStart). */
const D2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const D3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** `YYYY-MM-DDT` by day number since the epoch (a day's prefix is computed once). */
const dayPrefixes = new Map<number, string>();

/** Latest second {@link decodeTimeFast} formats itself (9999-12-31T23:59:59); later or odd values go through kinds.ts. */
const MAX_FAST_SECOND = 253402300799;

/**
 * {@link decodeTime} without a Date and six paddings per value: the same string (timestamps were the
 * largest share of decoding a member). Anything outside 1970–9999 or not an integer goes through it.
 */
export function decodeTimeFast(stored: number): string {
  let seconds: number;
  let micros = -1;
  if (stored >= 0) seconds = stored;
  else {
    const total = -stored - 1;
    seconds = Math.floor(total / 1_000_000);
    micros = total % 1_000_000;
  }
  if (!Number.isInteger(stored) || seconds > MAX_FAST_SECOND) return decodeTime(stored);
  const day = Math.floor(seconds / 86400);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = decodeTime(day * 86400).slice(0, 11);
    if (dayPrefixes.size >= 100_000) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const s = seconds - day * 86400;
  const hms = `${prefix}${D2[Math.floor(s / 3600)]}:${D2[Math.floor(s / 60) % 60]}:${D2[s % 60]}`;
  return micros < 0 ? `${hms}+00:00` : `${hms}.${D3[Math.floor(micros / 1000)]}${D3[micros % 1000]}+00:00`;
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
export function encodeTimeFast(s: string): number | typeof NO_FIT {
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
