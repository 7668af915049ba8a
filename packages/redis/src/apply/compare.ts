/** Whether a merge changes anything, decided without building the merged entity; the expiry a rewrite keeps. */
import { isRecord, type Entity } from './validate.js';

/** Deep equality of two JSON-like values (plain objects, arrays, primitives), key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    // An absent field and an `undefined` one are the same to a JSON store.
    if (x[k] === undefined) continue;
    n++;
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
  }
  let m = 0;
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) m++;
  return n === m;
}

/**
 * Whether `{ ...current, ...patch }` is {@link sameJson} to `current` (its keys but `skip`), checked
 * per patch key: a defined patch field must equal the current one, an undefined one must meet an
 * absent or undefined field.
 */
export function patchChangesNothing(current: Entity, patch: Entity, skip?: string): boolean {
  for (const k in patch) {
    if (!Object.hasOwn(patch, k) || k === skip) continue;
    const v = patch[k];
    if (v === undefined) {
      if (Object.hasOwn(current, k) && current[k] !== undefined) return false;
    } else if (!Object.hasOwn(current, k) || !sameJson(v, current[k])) return false;
  }
  return true;
}

/**
 * Whether a member merge would leave the member as it is: the merged member (`{ ...current,
 * ...patch }`, its user `{ ...user, ...patch.user }`, its guild_id filled in when absent) is
 * {@link sameJson} to `{ ...current, user }`, `user` being the member's user as the batch has it.
 * False (compare the built entities) for any patch user but an object, null or undefined.
 */
export function memberMergeChangesNothing(current: Entity, patch: Entity, user: unknown): boolean {
  if (!isRecord(user)) return false;
  const patchUser = patch.user;
  if (patchUser !== undefined && patchUser !== null && !isRecord(patchUser)) return false;
  // The merged member gets a guild_id when it would have none; the current one would then lack it.
  if ((Object.hasOwn(patch, 'guild_id') ? patch.guild_id : current.guild_id) === undefined) return false;
  if (!patchChangesNothing(current, patch, 'user')) return false;
  return patchUser === undefined || patchUser === null || patchChangesNothing(user, patchUser);
}

/** The ttl that keeps an expiry `expireAt` (epoch ms; null: never; undefined: not known) when an entry is rewritten. */
export function keptTtl(expireAt: number | null | undefined, now: number): number | null | undefined {
  return expireAt === undefined || expireAt === null ? expireAt : Math.max(1, expireAt - now);
}
