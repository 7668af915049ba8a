/**
 * Batch checking lives in `@sake/abc` (every backend needs the same checks);
 * this module gives it the names the Redis write path uses, plus map keys.
 */
import type { CheckedKey, ResourceName } from '@sake/abc';

export { checkMutation, type CheckedEntity as Entity, type CheckedKey as AnyKey, type CheckedMutation as Checked } from '@sake/abc';

/**
 * Stable string form of a resource key (for maps): the resource and its key fields (`KEY_FIELDS`
 * order) joined by `|`, an absent field as the empty string. Written out per resource: building it
 * with `map`/`join` was a measurable share of applying a batch.
 */
export function keyString(resource: ResourceName, key: CheckedKey): string {
  switch (resource) {
    case 'member':
    case 'presence':
    case 'voiceState':
      return `${resource}|${key.guildId ?? ''}|${key.userId ?? ''}`;
    case 'guild':
      return `guild|${key.guildId ?? ''}`;
    case 'channel':
      return `channel|${key.channelId ?? ''}`;
    case 'emoji':
      return `emoji|${key.emojiId ?? ''}`;
    case 'role':
      return `role|${key.roleId ?? ''}`;
    case 'message':
      return `message|${key.messageId ?? ''}`;
    case 'invite':
      return `invite|${key.code ?? ''}`;
    case 'user':
      return `user|${key.userId ?? ''}`;
    default:
      return `${resource}|`;
  }
}
