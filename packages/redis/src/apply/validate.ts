/**
 * Batch checking lives in `@sake/abc` (every backend needs the same checks);
 * this module gives it the names the Redis write path uses, plus map keys.
 */
import type { CheckedEntity, CheckedKey, ResourceName } from '@sake/abc';

export { checkMutation, type CheckedEntity as Entity, type CheckedKey as AnyKey, type CheckedMutation as Checked } from '@sake/abc';

/** Whether `x` is a plain (non-array) object. */
export function isRecord(x: unknown): x is CheckedEntity {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The resources whose key is two ids (guild, user). */
export function isPairKeyed(resource: ResourceName): boolean {
  return resource === 'member' || resource === 'presence' || resource === 'voiceState';
}

/** The one id of a resource keyed by one id ('' for `me`, or when absent). */
export function soleId(resource: ResourceName, key: CheckedKey): string {
  switch (resource) {
    case 'guild':
      return key.guildId ?? '';
    case 'channel':
      return key.channelId ?? '';
    case 'emoji':
      return key.emojiId ?? '';
    case 'role':
      return key.roleId ?? '';
    case 'message':
      return key.messageId ?? '';
    case 'invite':
      return key.code ?? '';
    case 'user':
      return key.userId ?? '';
    default:
      return '';
  }
}

/**
 * Stable string form of a resource key (for maps): the resource and its key fields (`KEY_FIELDS`
 * order) joined by `|`, an absent field as the empty string. Written out per resource: building it
 * with `map`/`join` was a measurable share of applying a batch.
 */
export function keyString(resource: ResourceName, key: CheckedKey): string {
  if (isPairKeyed(resource)) return `${resource}|${key.guildId ?? ''}|${key.userId ?? ''}`;
  return `${resource}|${soleId(resource, key)}`;
}
