/**
 * The cross-slot indexes a guild's ops imply (the guild set, the users' member and presence lists,
 * the channel/role/emoji locators, the voice-channel sets): first from the ops alone, before the
 * guild script runs, then what its replies (the fields a replace or clear removed, old voice
 * channels) add to that.
 */
import { idBytes, idFromBytes, voiceStateCodec } from '../codec/index.js';
import type { Command, Ctx } from '../context.js';
import { voiceMember, type Keys } from '../keys.js';
import type { ChannelRemoval } from './cascade.js';
import type { Placements } from './placements.js';
import { chunked } from './commands.js';
import type { GuildGroup, GuildRecord } from './guild-ops.js';
import type { UserOps } from './user-ops-queue.js';
import type { UserTtls } from './user-ttls.js';

/** The index state a guild's ops lead to (see {@link followUp}). */
export interface IndexState {
  guildPresent: boolean | undefined;
  members: Map<string, boolean>;
  presences: Map<string, boolean>;
  located: Map<'channel' | 'role' | 'emoji', Map<string, boolean>>;
  voiceFinal: Map<string, string | null>;
  /** Users a member/presence delete, replace or clear removed from a list, with that op's place ({@link UserTtls.removed}, {@link UserTtls.replaced}). */
  droppedAt: Map<string, number>;
}

/** What follow-ups write with: the plan's context, its user-bucket op queue, and its list of removed channels. */
export interface FollowUpTarget {
  readonly ctx: Ctx;
  readonly users: UserOps;
  /** Channels that replace/clear ops given an `at` removed, from their script replies. */
  readonly removedChannels: ChannelRemoval[];
  /** Where the batch placed channels, roles and emojis (a removal ignores one that had left its guild by then). */
  readonly placements: Placements;
  /** The batch's user writes with a `ttlMs`, against its member/presence deletes, replaces and clears (told whom the lists drop). */
  readonly userTtls: UserTtls;
}

/** Whether a guild op's index updates are known before its script runs (no removed fields to learn). */
export function isKnownUpFront(rec: GuildRecord): boolean {
  if (rec.kind === 'guild') return true;
  return (rec.kind === 'member' || rec.kind === 'presence') && (rec.op === 'set' || rec.op === 'del' || rec.op === 'setMany');
}

/**
 * Turn one guild's script reply into index updates, pushed to `out` (user lists go to the user-op
 * queue). With `base` (what was already written from the ops alone, before the replies were known),
 * only what the replies changed is written. Returns the state the ops lead to.
 */
export function followUp(target: FollowUpTarget, guildId: string, g: GuildGroup, replies: Buffer[][], out: Command[], base?: IndexState): IndexState {
  const voiceOld = new Map<string, Set<string>>();
  const state = readRecords(target, guildId, g, replies, voiceOld);
  writeChanges(target, guildId, state, voiceOld, out, base);
  return state;
}

/** Note the old voice channels a voice reply (user id, old value pairs) names; returns its users. */
function noteOldVoice(keys: Keys, guildId: string, reply: Buffer[] | undefined, voiceOld: Map<string, Set<string>>): string[] {
  const users: string[] = [];
  const list = reply ?? [];
  for (let i = 0; i + 1 < list.length; i += 2) {
    const userId = idFromBytes(list[i]!);
    users.push(userId);
    const old = list[i + 1]!;
    if (old.length === 0) continue;
    try {
      const channel = voiceStateCodec.decode(old, keys.guildChild(guildId, 'voiceState'), guildId, userId).channel_id;
      if (channel) (voiceOld.get(userId) ?? voiceOld.set(userId, new Set()).get(userId)!).add(channel);
    } catch {
      // An unreadable old value: its channel index entry can't be found, nothing else to do.
    }
  }
  return users;
}

/** The index state a guild's records (and their replies, when known) lead to; old voice channels go to `voiceOld`. */
function readRecords(target: FollowUpTarget, guildId: string, g: GuildGroup, replies: Buffer[][], voiceOld: Map<string, Set<string>>): IndexState {
  const members = new Map<string, boolean>();
  const presences = new Map<string, boolean>();
  const located = new Map<'channel' | 'role' | 'emoji', Map<string, boolean>>();
  const voiceFinal = new Map<string, string | null>();
  const droppedAt = new Map<string, number>();
  let guildPresent: boolean | undefined;
  const removedIds = (reply: Buffer[] | undefined): string[] => (reply ?? []).map((f) => idFromBytes(f));

  g.records.forEach((rec, i) => {
    const reply = replies[i];
    switch (rec.kind) {
      case 'guild':
        guildPresent = rec.present;
        break;
      case 'member':
      case 'presence': {
        const state = rec.kind === 'member' ? members : presences;
        if (rec.op === 'set' || rec.op === 'del') {
          state.set(rec.userId, rec.op === 'set');
          if (rec.op === 'del' && rec.seq !== undefined) droppedAt.set(rec.userId, rec.seq);
        }
        // A merge changes the user's member list only when it created the member (its reply says).
        else if (rec.op === 'merge') {
          // `{1}`, or for a merge that reports its old value a first element '1' (MMo).
          if (reply !== undefined && reply.length > 0 && (rec.old === undefined || reply[0]!.length > 0)) state.set(rec.userId, true);
        } else if (rec.op === 'setMany') for (const id of rec.userIds) state.set(id, true);
        else {
          // A replace or clear (TypeScript does not narrow the union on `op` alone here).
          const seq = 'seq' in rec ? (rec.seq ?? 0) : 0;
          for (const id of removedIds(reply)) {
            state.set(id, false);
            droppedAt.set(id, seq);
          }
          if (rec.op === 'replace') for (const id of rec.userIds) state.set(id, true);
        }
        break;
      }
      case 'voice': {
        const users = noteOldVoice(target.ctx.keys, guildId, reply, voiceOld);
        if (rec.op === 'set') voiceFinal.set(rec.userId, rec.channelId);
        else if (rec.op === 'del') voiceFinal.set(rec.userId, null);
        else {
          for (const u of users) voiceFinal.set(u, null);
          if (rec.op === 'replace') for (const [u, c] of rec.channels) voiceFinal.set(u, c);
        }
        break;
      }
      case 'located': {
        const state = located.get(rec.resource) ?? located.set(rec.resource, new Map()).get(rec.resource)!;
        if (rec.op === 'set' || rec.op === 'del') state.set(rec.id, rec.op === 'set');
        else {
          // A child the batch moved to another guild before this op is still in this guild's hash
          // (unplace comes after the guild ops): it had left, so this op did not remove it.
          const resource = rec.resource;
          const seq = 'seq' in rec ? rec.seq : 0;
          const removed = removedIds(reply).filter((id) => !target.placements.movedAway(resource, id, guildId, seq));
          // Only the replies (not the base pass) name what was removed: the channel cascade's input.
          const at = 'at' in rec ? rec.at : undefined;
          if (rec.resource === 'channel' && at !== undefined && removed.length > 0) target.removedChannels.push({ at, channelIds: removed });
          for (const id of removed) state.set(id, false);
          if (rec.op === 'replace') for (const id of rec.ids) state.set(id, true);
        }
        break;
      }
    }
  });
  return { guildPresent, members, presences, located, voiceFinal, droppedAt };
}

/** Write the index changes `state` makes (all of them, or without `base` what differs from it). */
function writeChanges(
  target: FollowUpTarget,
  guildId: string,
  state: IndexState,
  voiceOld: ReadonlyMap<string, Set<string>>,
  out: Command[],
  base: IndexState | undefined,
): void {
  const keys = target.ctx.keys;
  const { guildPresent, members, presences, located, voiceFinal } = state;
  if (guildPresent !== undefined && base?.guildPresent !== guildPresent) {
    const present = guildPresent;
    out.push((ctx) => (present ? ctx.conn.batched.sadd(keys.guilds, guildId) : ctx.conn.batched.srem(keys.guilds, guildId)));
  }
  // The guild's reference in the users' guild lists, made only when a list changes (a guild of
  // channels alone may not be in the guild dictionary).
  let gid: Buffer | undefined;
  const ref = (): Buffer => (gid ??= target.ctx.guildRefs.ref(guildId));
  const dropped = new Set<string>();
  for (const [lists, before, plus, minus] of [
    [members, base?.members, 'M+', 'M-'],
    [presences, base?.presences, 'P+', 'P-'],
  ] as const) {
    for (const [userId, present] of lists) {
      if (before?.get(userId) === present) continue;
      target.users.list(userId, present ? plus : minus, ref()).id(userId);
      if (!present) dropped.add(userId);
    }
  }
  // A user set with a ttlMs after every op that dropped it is written again after these list
  // updates (UserTtls.rewrite, once every guild's are queued).
  for (const userId of dropped) {
    const seq = state.droppedAt.get(userId);
    if (seq !== undefined) target.userTtls.dropped(userId, seq);
  }
  // Locators map a channel/role/emoji to its guild's 8-byte id.
  const guildBytes = located.size > 0 ? idBytes(guildId) : undefined;
  for (const [resource, byId] of located) {
    const set: Buffer[] = [];
    const del: Buffer[] = [];
    const before = base?.located.get(resource);
    for (const [id, present] of byId) {
      if (before?.get(id) === present) continue;
      if (present) set.push(idBytes(id), guildBytes!);
      else del.push(idBytes(id));
    }
    for (const part of chunked(set)) out.push((ctx) => ctx.conn.batched.hset(keys.locator(resource), ...part));
    for (const part of chunked(del)) out.push((ctx) => ctx.conn.batched.hdel(keys.locator(resource), ...part));
  }
  for (const [userId, final] of voiceFinal) {
    const member = voiceMember(guildId, userId);
    for (const old of voiceOld.get(userId) ?? []) {
      if (old !== final) out.push((ctx) => ctx.conn.batched.srem(keys.voiceInChannel(old), member));
    }
    if (final && base?.voiceFinal.get(userId) !== final) out.push((ctx) => ctx.conn.batched.sadd(keys.voiceInChannel(final), member));
  }
}
