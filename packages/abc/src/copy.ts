/**
 * Deep copies of cached values: what a backend hands out (a `get*`, an old
 * value) must not alias what it keeps or what another caller got.
 *
 * Entities are JSON-shaped (gateway payloads), and `structuredClone` is about
 * eight times slower than walking plain objects and arrays by hand — it is
 * the bulk of a `get*` and of iteration. Anything that is not a plain object
 * or array (a Date, a Map, a class instance) still goes through
 * `structuredClone`, so those copy exactly as before. What differs: shared
 * sub-objects are copied twice instead of once, and a cyclic value (never a
 * gateway payload) overflows the stack instead of being cloned.
 */

/** A deep copy of `value` (see the module comment for what it assumes). */
export function copyEntity<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyEntity(value[i] as unknown);
    return out as T;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = copyEntity((value as Record<string, unknown>)[key]);
    // An own "__proto__" key (JSON.parse makes them) must stay a field, not become the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: field, enumerable: true, writable: true, configurable: true });
    else out[key] = field;
  }
  return out as T;
}
