/**
 * Calling a backend's methods by name. The suite derives method names from
 * the resource table (`getMember`, `iterMembersForGuild`, …) so one generic
 * test covers every resource; a missing method fails the test with its name.
 */
import type { CacheIterator, Mutation } from '@sake/abc';
import { check, fail, failWith, show } from './assert.js';

type AnyMethod = (...args: unknown[]) => unknown;

function method(backend: object, name: string): AnyMethod {
  const fn = (backend as Record<string, unknown>)[name];
  if (typeof fn !== 'function') fail(`the backend has no method ${name}()`);
  return (fn as AnyMethod).bind(backend);
}

/** Call `backend[name](...args)` and await it (a synchronous throw becomes a rejection). */
export async function call<T = unknown>(backend: object, name: string, ...args: unknown[]): Promise<T> {
  return (await method(backend, name)(...args)) as T;
}

/**
 * Await a read that must succeed: a rejection fails the test with an
 * assertion naming the step (`what`) and what the read rejected with (the
 * original error as `cause`), instead of surfacing a bare `EntryNotFound`
 * whose stack points into the suite.
 */
export async function readOk<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    return failWith(`${what}: expected it to resolve, it rejected with ${show(error)}`, error);
  }
}

/** Call `backend[name](...args)` synchronously, without awaiting (for `iter…` and for "throws at the call" checks). */
export function callNow(backend: object, name: string, ...args: unknown[]): unknown {
  return method(backend, name)(...args);
}

/** Call an `iter…` method and check that what it returns has the `CacheIterator` shape. */
export function iterate<T = unknown>(backend: object, name: string, ...args: unknown[]): CacheIterator<T> {
  const it = callNow(backend, name, ...args) as Partial<CacheIterator<T>> | null | undefined;
  check(
    typeof it === 'object' && it !== null && typeof it[Symbol.asyncIterator] === 'function' && typeof it.len === 'function' && typeof it.toArray === 'function',
    `${name}() must return a CacheIterator (AsyncIterable with len() and toArray())`,
  );
  return it as CacheIterator<T>;
}

/** Collect an iterator with `for await` (the path users take), independent of its `toArray()`. */
export async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

/** `backend.apply(batch)`. */
export function apply(backend: object, ...batch: Mutation[]): Promise<void> {
  return call<void>(backend, 'apply', batch);
}

/**
 * `backend.apply(batch, { old })`, checking that it resolved with an
 * `ApplyResult` holding one old value per requested index; returns them.
 */
export async function applyReporting(backend: object, batch: readonly Mutation[], old: readonly number[]): Promise<readonly unknown[]> {
  const result = await call<unknown>(backend, 'apply', batch, { old });
  const values = (result as { old?: unknown } | null | undefined)?.old;
  check(
    Array.isArray(values) && values.length === old.length,
    `apply(batch, { old: [${old.join(', ')}] }) must resolve with { old } holding ${old.length} value(s), got ${show(result)}`,
  );
  return values as readonly unknown[];
}
