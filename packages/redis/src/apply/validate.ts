/**
 * Batch checking lives in `@sake/abc` (every backend needs the same checks);
 * this module gives it the names the Redis write path uses, plus map keys.
 */
import { KEY_FIELDS, type CheckedKey, type ResourceName } from '@sake/abc';

export { checkMutation, type CheckedEntity as Entity, type CheckedKey as AnyKey, type CheckedMutation as Checked } from '@sake/abc';

/** Stable string form of a resource key (for maps). */
export function keyString(resource: ResourceName, key: CheckedKey): string {
  return `${resource}|${KEY_FIELDS[resource].map((f) => key[f]).join('|')}`;
}
