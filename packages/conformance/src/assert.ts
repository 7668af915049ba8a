/**
 * Runner-independent assertions (node:assert underneath), so the suite works
 * in vitest, jest or node:test alike. Every failure message says what was
 * called and what came back.
 */
import { AssertionError, deepStrictEqual } from 'node:assert/strict';

/** Something `instanceof` can test (the sake errors answer through `Symbol.hasInstance`). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Short printable form of a value for failure messages. */
export function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON.stringify gives undefined for undefined, a function or a symbol; lib.d.ts says string
    if (text === undefined) return String(value);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return String(value);
  }
}

/** Fail the current test with `message`. */
export function fail(message: string): never {
  throw new AssertionError({ message });
}

/** Fail the current test with `message`, keeping the error that made it fail as `cause`. */
export function failWith(message: string, cause: unknown): never {
  const error = new AssertionError({ message });
  error.cause = cause;
  throw error;
}

/** Assert `condition`, failing with `message`. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

function errorName(cls: ErrorClass): string {
  return cls.name;
}

function checkError(error: unknown, cls: ErrorClass, what: string, forbid?: ErrorClass): void {
  if (!(error instanceof cls)) {
    fail(`${what}: expected ${errorName(cls)}, got ${show(error)}`);
  }
  if (forbid && error instanceof forbid) {
    fail(`${what}: expected ${errorName(cls)} but not ${errorName(forbid)}, got ${show(error)}`);
  }
}

/**
 * Assert that calling `fn` fails with `cls`, whether it throws synchronously
 * or returns a promise that rejects. `forbid` names a subclass that must NOT
 * be what was raised.
 */
export async function rejects(fn: () => unknown, cls: ErrorClass, what: string, forbid?: ErrorClass): Promise<unknown> {
  let result: unknown;
  try {
    result = await fn();
  } catch (error) {
    checkError(error, cls, what, forbid);
    return error;
  }
  return fail(`${what}: expected it to fail with ${errorName(cls)}, it resolved with ${show(result)}`);
}

/** Assert that calling `fn` throws `cls` synchronously (not a rejected promise, not a later failure). */
export function throwsNow(fn: () => unknown, cls: ErrorClass, what: string): void {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    checkError(error, cls, what);
    return;
  }
  if (result instanceof Promise) result.catch(() => undefined);
  fail(`${what}: expected a synchronous ${errorName(cls)}, it returned ${show(result)}`);
}

/** Assert that calling `fn` neither throws nor rejects synchronously (used for "creating an iterator does no I/O"). */
export function doesNotThrowNow<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (error) {
    return fail(`${what}: expected no error at the call (errors belong to iteration), got ${show(error)}`);
  }
}

/**
 * The value as JSON would carry it: the comparison ignores prototypes and
 * fields whose value is `undefined` (a store may drop them), nothing else.
 */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Assert deep equality of two entities (see {@link plain} for what is ignored). */
export function same(actual: unknown, expected: unknown, what: string): void {
  try {
    deepStrictEqual(plain(actual), plain(expected));
  } catch (error) {
    if (error instanceof AssertionError) {
      throw new AssertionError({ message: `${what}: value differs\n${error.message}`, actual: error.actual, expected: error.expected });
    }
    throw error;
  }
}

/** Assert that two lists hold the same entities in any order (sorted by `keyFn` before comparing). */
export function sameSet<T>(actual: readonly T[], expected: readonly T[], keyFn: (value: T) => string, what: string): void {
  const byKey = (a: T, b: T): number => {
    const ka = keyFn(a);
    const kb = keyFn(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  same([...actual].sort(byKey), [...expected].sort(byKey), what);
}

/** Assert strict equality of two primitives. */
export function equal<T extends string | number | boolean>(actual: T, expected: T, what: string): void {
  if (actual !== expected) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}
