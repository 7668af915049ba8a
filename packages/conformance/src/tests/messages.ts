/** Messages and reactions the write tests build. */
import { mutation } from '@sake/abc';
import type { APIReaction } from 'discord-api-types/v10';
import type { MessageEntity, Mutation, ReactionChange, ReactionEmoji, Snowflake } from '@sake/abc';
import * as fx from '../fixtures.js';
import type { Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';

/** The emoji most reaction tests use. */
export const THUMBS: ReactionEmoji = { id: null, name: '👍' };

/** The reaction a message shows, as the rules of {@link ReactionChange} count it. */
export function reaction(emoji: ReactionEmoji, counts: { normal?: number; burst?: number; me?: boolean; meBurst?: boolean; colors?: string[] }): APIReaction {
  const normal = counts.normal ?? 0;
  const burst = counts.burst ?? 0;
  return {
    count: normal + burst,
    count_details: { burst, normal },
    me: counts.me ?? false,
    me_burst: counts.meBurst ?? false,
    emoji: { ...emoji } as APIReaction['emoji'],
    burst_colors: counts.colors ?? [],
  };
}

/** A react mutation. */
export function react(messageId: Snowflake, change: ReactionChange): Mutation {
  return mutation.react(messageId, change);
}

/** A message in a fresh channel of a fresh guild. */
export function newMessage<B extends ConformanceBackend>(h: Harness<B>, overrides: Partial<MessageEntity> = {}): MessageEntity {
  return fx.message(h.id(), h.id(), fx.user(h.id()), h.id(), overrides);
}
