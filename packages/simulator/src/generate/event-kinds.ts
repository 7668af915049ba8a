/**
 * The kinds of step the event script (stream.ts `EventScript`) takes, the default mix of them, and
 * what one step yields: the vocabulary the stream generator and its users share.
 */
import type { GatewayDispatchPayload } from 'discord-api-types/v10';

/** The name of a kind of step the script can take. */
export type ScriptEventKind =
  | 'messageCreate'
  | 'messageUpdate'
  | 'messageDelete'
  | 'messageDeleteBulk'
  | 'reactionAdd'
  | 'reactionRemove'
  | 'reactionRemoveAll'
  | 'reactionRemoveEmoji'
  | 'presenceUpdate'
  | 'memberAdd'
  | 'memberUpdate'
  | 'memberRemove'
  | 'voiceStateUpdate'
  | 'inviteCreate'
  | 'inviteDelete'
  | 'channelCreate'
  | 'channelUpdate'
  | 'channelDelete'
  | 'threadCreate'
  | 'roleCreate'
  | 'roleUpdate'
  | 'roleDelete'
  | 'emojisUpdate'
  | 'guildUpdate'
  | 'pinsUpdate';

/** A realistic mix: mostly messages and presences, a few structural changes. */
export const DEFAULT_EVENT_WEIGHTS: Readonly<Record<ScriptEventKind, number>> = {
  messageCreate: 30,
  messageUpdate: 6,
  messageDelete: 4,
  messageDeleteBulk: 1,
  reactionAdd: 10,
  reactionRemove: 4,
  reactionRemoveAll: 1,
  reactionRemoveEmoji: 1,
  presenceUpdate: 16,
  memberAdd: 3,
  memberUpdate: 5,
  memberRemove: 2,
  voiceStateUpdate: 6,
  inviteCreate: 2,
  inviteDelete: 1,
  channelCreate: 1,
  channelUpdate: 2,
  channelDelete: 0.5,
  threadCreate: 1,
  roleCreate: 1,
  roleUpdate: 1,
  roleDelete: 0.5,
  emojisUpdate: 0.5,
  guildUpdate: 0.5,
  pinsUpdate: 0.5,
};

/** One scripted dispatch and the guild it belongs to. */
export interface ScriptEvent {
  /** What kind of step produced it. */
  readonly kind: ScriptEventKind;
  /** The guild it concerns (the fake gateway routes it to that guild's shard). */
  readonly guildId: string;
  /** The dispatch, with `s` left at 0 for the gateway to number. */
  readonly payload: GatewayDispatchPayload;
}
