/** Reading and writing entries of a resource the way every generic test does. */
import { EntryNotFound, mutation } from '@sake/abc';
import type { Mutation, ResourceName, Snowflake } from '@sake/abc';
import { equal, rejects, same, sameSet } from '../assert.js';
import { apply, call, drain, iterate, readOk } from '../calls.js';
import { SPECS, deleteName, getName, iterName, keyArgs, keyOfEntity, keyString } from '../specs.js';
import type { Entity, ResourceSpec, Scope } from '../specs.js';

/** `get…` for the entry `value` identifies. */
export function get(backend: object, s: ResourceSpec, value: Entity): Promise<Entity> {
  return call<Entity>(backend, getName(s), ...keyArgs(keyOfEntity(s, value)));
}

/** `delete…` for the entry `value` identifies. */
export function del(backend: object, s: ResourceSpec, value: Entity): Promise<void> {
  return call<void>(backend, deleteName(s), ...keyArgs(keyOfEntity(s, value)));
}

/** A `set` mutation of `value`. */
export function setOf(s: ResourceSpec, value: Entity, options: { ttlMs?: number; channelLimit?: number } = {}): Mutation {
  return mutation.set(s.resource, value, options);
}

/** Apply one `set` per value. */
export function put(backend: object, s: ResourceSpec, ...values: Entity[]): Promise<void> {
  return apply(backend, ...values.map((v) => setOf(s, v)));
}

/** A `merge` mutation of `patch` into the entry `value` identifies. */
export function mergeOf(s: ResourceSpec, value: Entity, patch: Readonly<Record<string, unknown>>, upsert = false): Mutation {
  return mutation.merge(s.resource, keyOfEntity(s, value), patch, upsert);
}

/** A `delete` mutation of the entry `value` identifies. */
export function deleteOf(s: ResourceSpec, value: Entity): Mutation {
  return mutation.delete(s.resource, keyOfEntity(s, value));
}

/** Describe an entry in failure messages (`member 123/456`). */
export function label(s: ResourceSpec, value: Entity): string {
  return `${s.resource} ${keyString(s, value)}`;
}

/** Assert the entry is cached and deep-equals `expected`. */
export async function expectValue(backend: object, s: ResourceSpec, expected: Entity, what: string): Promise<void> {
  const step = `${getName(s)}(${keyString(s, expected)}) ${what}`;
  same(await readOk(step, () => get(backend, s, expected)), expected, step);
}

/** Assert the entry is not cached (`get…` rejects with `EntryNotFound`). */
export async function expectAbsent(backend: object, s: ResourceSpec, value: Entity, what: string): Promise<void> {
  await rejects(() => get(backend, s, value), EntryNotFound, `${getName(s)}(${keyString(s, value)}) ${what}`);
}

/**
 * Assert that an `iter…` (or `iter…For`) yields exactly `expected`, and that
 * `for await`, `toArray()` and `len()` agree — with `len()` called first, so a
 * `len()` that consumes the iterator fails here.
 */
export async function expectIter(
  backend: object,
  s: ResourceSpec,
  scope: Scope | undefined,
  id: Snowflake | undefined,
  expected: readonly Entity[],
  what: string,
): Promise<void> {
  const name = iterName(s, scope);
  const call = `${name}(${id ?? ''})`;
  const keyFn = (v: Entity): string => keyString(s, v);
  const args = id === undefined ? [] : [id];
  const it = iterate<Entity>(backend, name, ...args);
  const counted = await readOk(`${call}.len() ${what}`, () => it.len());
  equal(counted, expected.length, `${call}.len() ${what}`);
  sameSet(await readOk(`${call}.toArray() ${what}`, () => it.toArray()), expected, keyFn, `${call}.toArray() after len() ${what}`);
  const drained = await readOk(`for await ${call} ${what}`, () => drain(iterate<Entity>(backend, name, ...args)));
  sameSet(drained, expected, keyFn, `for await ${call} ${what}`);
}

/** The spec of an iterable resource. */
export function specOf(resource: ResourceName): ResourceSpec | undefined {
  return resource === 'me' ? undefined : SPECS[resource];
}
