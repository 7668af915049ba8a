/**
 * Reaction counts as a pure function, shared by every backend: a `react`
 * mutation is applied inside the backend (no read in the listener), and
 * every backend must count the same way.
 */
import type { APIReaction } from 'discord-api-types/v10';
import { copyEntity } from './copy.js';

/** The emoji of a reaction as the gateway sends it: custom emojis by id, unicode ones by name. */
export interface ReactionEmoji {
  readonly id?: string | null;
  readonly name?: string | null;
  readonly animated?: boolean;
}

/** One MESSAGE_REACTION_* event, as a change to a cached message's `reactions`. */
export type ReactionChange =
  | {
      /** MESSAGE_REACTION_ADD. */
      readonly op: 'add';
      readonly emoji: ReactionEmoji;
      /** A super reaction. */
      readonly burst: boolean;
      /** The reacting user is the bot. */
      readonly me: boolean;
      /** Colours of a super reaction, when the event carries them. */
      readonly burstColors?: readonly string[];
    }
  | {
      /** MESSAGE_REACTION_REMOVE. */
      readonly op: 'remove';
      readonly emoji: ReactionEmoji;
      readonly burst: boolean;
      readonly me: boolean;
    }
  | {
      /** MESSAGE_REACTION_REMOVE_ALL. */
      readonly op: 'removeAll';
    }
  | {
      /** MESSAGE_REACTION_REMOVE_EMOJI. */
      readonly op: 'removeEmoji';
      readonly emoji: ReactionEmoji;
    };

/** Two reactions are the same when their emojis are: custom by id, unicode by name. */
export function reactionEmojiKey(emoji: ReactionEmoji | { id?: unknown; name?: unknown }): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- an untrusted name that is not a string keys as its String()
  return typeof emoji.id === 'string' ? emoji.id : String(emoji.name ?? '');
}

/**
 * The reactions of a message after `change` (a new array; `reactions` is not
 * modified). A count never goes below zero and a reaction whose count reaches
 * zero is dropped, as Discord shows it.
 */
export function applyReactionChange(reactions: readonly APIReaction[] | undefined, change: ReactionChange): APIReaction[] {
  if (change.op === 'removeAll') return [];
  const key = reactionEmojiKey(change.emoji);
  if (change.op === 'removeEmoji') return (reactions ?? []).filter((r) => reactionEmojiKey(r.emoji) !== key);
  // Copy only the reaction that changes; the others are shared with the input (callers never mutate them).
  const out = [...(reactions ?? [])];
  const at = out.findIndex((r) => reactionEmojiKey(r.emoji) === key);
  if (change.op === 'add') {
    const base: APIReaction =
      at >= 0
        ? copyEntity(out[at]!)
        : {
            count: 0,
            count_details: { burst: 0, normal: 0 },
            me: false,
            me_burst: false,
            emoji: { ...change.emoji } as APIReaction['emoji'],
            burst_colors: [],
          };
    base.count += 1;
    if (change.burst) {
      base.count_details.burst += 1;
      base.me_burst ||= change.me;
      if (change.burstColors !== undefined && change.burstColors.length > 0) base.burst_colors = [...change.burstColors];
    } else {
      base.count_details.normal += 1;
      base.me ||= change.me;
    }
    if (at >= 0) out[at] = base;
    else out.push(base);
    return out;
  }
  if (at < 0) return out;
  const reaction = copyEntity(out[at]!);
  reaction.count = Math.max(0, reaction.count - 1);
  if (change.burst) {
    reaction.count_details.burst = Math.max(0, reaction.count_details.burst - 1);
    if (change.me) reaction.me_burst = false;
  } else {
    reaction.count_details.normal = Math.max(0, reaction.count_details.normal - 1);
    if (change.me) reaction.me = false;
  }
  if (reaction.count === 0) out.splice(at, 1);
  else out[at] = reaction;
  return out;
}
