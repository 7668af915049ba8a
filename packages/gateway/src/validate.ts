/**
 * Shape checks run on a dispatch before it is translated: a payload that
 * fails one is logged and skipped, never half-applied.
 */
import { isSnowflake, type Snowflake } from '@sake/abc';

/** A gateway payload that lacks a field the translation needs, or carries it with the wrong type. */
export class MalformedPayload extends Error {
  override readonly name = 'MalformedPayload';
}

/** A plain object, as the JSON gateway delivers it. */
export type Json = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…` : value);
  return typeof value;
}

/** `value` as an object; `where` names it in the error. */
export function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedPayload(`${where} must be an object, got ${describe(value)}`);
  return value as Json;
}

/** The snowflake at `data[field]`. */
export function snowflake(data: Json, field: string, where: string): Snowflake {
  const value = data[field];
  if (!isSnowflake(value)) throw new MalformedPayload(`${where}.${field} must be a snowflake string, got ${describe(value)}`);
  return value;
}

/** The snowflake at `data[field]`, or `undefined` when absent or null. */
export function optionalSnowflake(data: Json, field: string, where: string): Snowflake | undefined {
  return data[field] === undefined || data[field] === null ? undefined : snowflake(data, field, where);
}

/** The string at `data[field]`. */
export function string(data: Json, field: string, where: string): string {
  const value = data[field];
  if (typeof value !== 'string') throw new MalformedPayload(`${where}.${field} must be a string, got ${describe(value)}`);
  return value;
}

/** The array at `data[field]` (an absent field is an empty array when `optional`). */
export function array(data: Json, field: string, where: string, optional = false): unknown[] {
  const value = data[field];
  if (value === undefined && optional) return [];
  if (!Array.isArray(value)) throw new MalformedPayload(`${where}.${field} must be an array, got ${describe(value)}`);
  return value;
}

/** Every element of the array at `data[field]` as an object carrying the snowflake `idPath` (e.g. `user.id`). */
export function objectsWithId(data: Json, field: string, idPath: string, where: string, optional = false): Json[] {
  const items = array(data, field, where, optional);
  const out: Json[] = new Array<Json>(items.length);
  const parts = pathParts(idPath);
  // An index loop, not map(): map() skips the holes of a sparse array (from a source other than JSON).
  for (let index = 0; index < items.length; index++) {
    const element = items[index];
    // The error's location is only spelled out for a bad element (a member chunk has 1000 good ones).
    if (!isObject(element) || !hasIdAt(element, parts)) idOf(object(element, `${where}.${field}[${index}]`), idPath, `${where}.${field}[${index}]`);
    out[index] = element as Json;
  }
  return out;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `data` carries a snowflake at the path `parts` (what {@link idOf} accepts). */
function hasIdAt(data: Json, parts: readonly string[]): boolean {
  let current = data;
  const last = parts.length - 1;
  for (let i = 0; i < last; i++) {
    const next = current[parts[i]!];
    if (!isObject(next)) return false;
    current = next;
  }
  return isSnowflake(current[parts[last]!]);
}

const PATHS = new Map<string, readonly string[]>();

/** `path` split at its dots (cached: a handful of literal paths). */
function pathParts(path: string): readonly string[] {
  let parts = PATHS.get(path);
  if (!parts) {
    parts = path.split('.');
    if (PATHS.size < 64) PATHS.set(path, parts);
  }
  return parts;
}

/** The snowflake at a dotted path such as `user.id`. */
export function idOf(data: Json, path: string, where: string): Snowflake {
  const parts = pathParts(path);
  if (hasIdAt(data, parts)) {
    let current = data;
    for (let i = 0; i < parts.length - 1; i++) current = current[parts[i]!] as Json;
    return current[parts[parts.length - 1]!] as Snowflake;
  }
  // Not there: walk again, naming where it breaks.
  let current: Json = data;
  let at = where;
  for (const part of parts.slice(0, -1)) {
    current = object(current[part], `${at}.${part}`);
    at = `${at}.${part}`;
  }
  return snowflake(current, parts[parts.length - 1] as string, at);
}
