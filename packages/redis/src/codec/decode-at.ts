/**
 * Decoding records in place, out of a larger reply (the packed member replies
 * of the member read scripts: scripts/includes/packed-member.lua): no slice, no copy, and the entry's locator is
 * built only when the record turns out to be unreadable. The bytes and the
 * errors are the same as {@link decodeRecord}'s: anything the fast reader does
 * not take goes through it.
 */
import type { ResourceName } from '@sake/abc';
import { fastDecodeAt } from './reader.js';
import { decodeRecord, type Implied } from './record.js';
import type { IdDictionary } from './dictionary.js';
import { SCHEMA_BY_HEADER } from './schemas.js';

/** The key holding an entry: the key itself, or a function of the entry's id called only when needed. */
export type KeyOf = string | ((id: string) => string);

/** The key `key` names for the entry `id`. */
export function keyOf(key: KeyOf, id: string): string {
  return typeof key === 'string' ? key : key(id);
}

/**
 * Decode the record of `resource` at `buf[start, end)`; an error names the entry `key[id]`
 * (a function `key` is only called then: no locator string and no closure per record).
 */
export function decodeAt<T>(
  resource: ResourceName,
  buf: Buffer,
  start: number,
  end: number,
  implied: Implied,
  key: KeyOf,
  id: string,
  roles?: IdDictionary,
): T {
  if (end - start >= 2) {
    const schema = SCHEMA_BY_HEADER.get(buf[start]!);
    if (schema !== undefined && schema.resource === resource) {
      const fast = fastDecodeAt(buf, start, end, schema, implied, roles);
      if (fast) return fast as T;
    }
  }
  return decodeRecord<T>(resource, buf.subarray(start, end), `${keyOf(key, id)}[${id}]`, implied, roles);
}
