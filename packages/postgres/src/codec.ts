/**
 * Rows ⇄ entities. An entity is stored as its JSON text in a `json` column
 * (see the README for why `json` and not `jsonb` or bytea); node-postgres
 * parses it on the way out. A row is readable only when its format version is
 * {@link ROW_FORMAT} and its data is a JSON object: anything else is
 * `InvalidDataFound` naming the table and key.
 */
import type { ResourceName } from '@sake/abc';
import { InvalidDataFound } from '@sake/errors';
import { ROW_FORMAT, TABLES } from './schema.js';

/** An entity as the planner and the reads handle it. */
export type Entity = Record<string, unknown>;

/** Entities already encoded, by identity: the writer encodes what a batch stores as given before it takes the write lock. */
export type EncodedTexts = WeakMap<Entity, string>;

/** The text stored in `data`. */
export function encode(value: Entity): string {
  return JSON.stringify(value);
}

/** Where a row lives, as error messages name it: `schema.table/key`. */
export function locator(schema: string, resource: ResourceName, key: string): string {
  return `${schema}.${TABLES[resource].table}/${key}`;
}

/** The entity of a row, checked; `InvalidDataFound` when the row is unreadable. */
export function decode(schema: string, resource: ResourceName, key: string, version: unknown, data: unknown): Entity {
  if (version !== ROW_FORMAT) {
    throw new InvalidDataFound(locator(schema, resource, key), `row format ${String(version)} is not one this @sake/postgres reads (${ROW_FORMAT})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidDataFound(
      locator(schema, resource, key),
      `data is not an entity object (got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data})`,
    );
  }
  return data as Entity;
}

/** A stored member joined with its user row (the user is absent when deleted on its own: then only its id). */
export function joinMember(member: Entity, user: Entity | undefined): Entity {
  return { ...member, user: user ?? member.user };
}

/** A member as stored: without its user (only `user: { id }`), which lives in the user table. */
export function storedMember(member: Entity): { member: Entity; user: Entity } {
  const { user, ...rest } = member as Entity & { user: Entity };
  return { member: { ...rest, user: { id: user.id } }, user };
}
