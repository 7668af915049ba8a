/**
 * A batch cut into segments for the op stream and the plan: in each segment, the mutations the
 * stream has ops for (coverage.ts) go to one `sakeBatch` run and the others to the plan, run after
 * it; segments run one after another. A plan mutation may join a segment whatever the stream share
 * holds (it runs after it, as in the batch); a stream mutation may join it only while it commutes
 * with the plan share so far (it will run before it); one that does not starts the next segment.
 *
 * What a mutation touches is named by keys `class:id`: `m` a message, `c` a channel's message
 * index, `vs` a voice state (`vs:<guild>:<user>`), `vc` a channel's voice states, `u` a user (its
 * record, lists and orphan deadline), `ut` a user's own `ttlMs` (a user set, merge or delete: its
 * deadline then depends on the order of the writes that refer to it), `mr` a role of a guild's
 * members (`mr:<guild>:<role>`), `mg`/`pg`/`vg` a guild's members/presences/voice states as a
 * whole, `guild`/`channel`/`role`/`emoji` one guild record or located child, and `inv` an invite. A key is
 * exclusive, or shared (`~class:id`): two shared keys never meet, so writes of different members
 * of one guild (each shares `~mg:<guild>`) stay together while a member replace of that guild
 * (exclusive `mg:<guild>`) meets them all. `class:*` stands for every key of its class (a message
 * delete's channel is not known before the script reads the message; an evicted message's author
 * is rescheduled, whoever it is; a role replace writes every role; a channel replace's cascade
 * deletes messages, invites and voice states of channels it removes), and `*` for everything (a
 * mutation whose reach is not worked out here: the clears the stream has no op for).
 *
 * Orders that need no key: the orphan schedule of a user is worked out anew from what refers to
 * it by whichever write runs last (but for a user's own `ttlMs`: `ut`), and counts and bucket
 * counts are updated in place. Commuting pairs that need none: a channel's voice-state clear and
 * a voice state set in another channel (one it moves out of the channel is not the clear's any
 * more) or a delete; a role removal and a member merge whose roles don't name the role (the merge
 * keeps the role when it sets no roles, and the strip then takes it).
 */
import type { Checked } from '../apply/validate.js';
import { hasOp, streamTraits } from './coverage.js';
import { isGuildStructure } from './encode-guilds.js';

/** One segment: the stream's mutations and the plan's, each in batch order. */
export interface Segment {
  stream: Checked[];
  plan: Checked[];
}

/** Everything: meets any mutation of the other side. */
const ALL = '*';

/** What a channel replace touches: every channel, and what its cascade deletes (apply/cascade.ts). */
const CHANNEL_CASCADE = ['channel:*', 'm:*', 'c:*', '~ut:*', 'inv:*', 'vs:*', 'vc:*', '~vg:*'];

/** A member merge's `mr` keys: one per role its value names (a role removal meets them). */
function roleKeys(m: Checked, guildId: string): string[] {
  const value = m.type === 'merge' ? m.patch : m.type === 'set' ? m.value : undefined;
  const roles = value?.roles;
  if (!Array.isArray(roles)) return [];
  // By index, not map(): a hostile payload's roles may be a sparse array, whose holes map() keeps.
  const keys: string[] = [];
  for (let i = 0; i < roles.length; i++) keys.push(`mr:${guildId}:${String(roles[i])}`);
  return keys;
}

/** The keys of a member's, presence's, voice state's or user's own write (either side); undefined for other resources. */
function userSideKeys(m: Checked, key: Record<string, string | undefined>): string[] | undefined {
  switch (m.resource) {
    case 'member':
      return [`~mg:${key.guildId}`, `u:${key.userId}`];
    case 'presence':
      return [`~pg:${key.guildId}`, `u:${key.userId}`];
    case 'voiceState': {
      // `vs`: the voice state itself (a merge of it by the plan and a delete by the stream meet).
      const own = [`~vg:${key.guildId}`, `vs:${key.guildId}:${key.userId}`];
      const channel = m.type === 'set' ? (m.value.channel_id as string | null | undefined) : undefined;
      return typeof channel === 'string' ? [...own, `vc:${channel}`] : own;
    }
    case 'user':
      // A stream user merge has no ttlMs (coverage.ts); a plan one, a set or a delete may.
      return hasOp(m) ? [`u:${key.userId}`] : [`u:${key.userId}`, `ut:${key.userId}`];
    default:
      return undefined;
  }
}

/** A guild's or located child's own key (`guild:<id>`, `channel:<id>`…), or for a replace every child of its kind. */
function structureKeys(m: Checked): string[] {
  if (m.type === 'replaceForGuild') return [`${m.resource}:*`];
  const key = 'key' in m ? (m.key as Record<string, string>) : {};
  return [`${m.resource}:${key.guildId ?? key.channelId ?? key.roleId ?? key.emojiId ?? ''}`];
}

/** The keys a mutation the stream applies touches. */
function streamKeys(m: Checked): string[] {
  if (isGuildStructure(m.resource) || m.type === 'replaceForGuild') return structureKeys(m);
  // A role removal: the members naming the role, and a replace of the guild's members.
  if (m.type === 'removeRole') return [`mr:${m.guildId}:${m.roleId}`, `~mg:${m.guildId}`];
  const key = m.type === 'set' || m.type === 'merge' || m.type === 'delete' ? (m.key as Record<string, string | undefined>) : {};
  // A member write also names the roles it sets: a role removal of the plan meets only those.
  if (m.resource === 'member') return [...userSideKeys(m, key)!, ...roleKeys(m, key.guildId!)];
  // A channel's voice state clear: the states its set lists, of any guild and user (a plan merge
  // of one may have put it there).
  if (m.type === 'clearFor' && m.resource === 'voiceState') return [`vc:${m.id}`, 'vs:*', '~vg:*'];
  // Invites: their own keys; a channel's invite clear, every invite (a plan merge may move one into it).
  if (m.resource === 'invite') return m.type === 'clearFor' ? ['inv:*'] : [`inv:${m.key.code}`];
  if (m.resource !== 'message') return userSideKeys(m, key) ?? [ALL];
  if (m.type === 'react') return [`m:${m.key.messageId}`];
  // A channel's message clear deletes messages of that channel (unknown ids: a plan write that may put one there has `c:*`).
  if (m.type === 'clearFor') return [`c:${m.id}`, '~ut:*'];
  // A set may evict other messages (of unknown authors) from its channel; a merge may move the
  // message out of channels unknown here, as may a delete.
  if (m.type === 'set') return [`m:${key.messageId}`, `c:${(m.value as { channel_id: string }).channel_id}`, '~ut:*'];
  return [`m:${key.messageId}`, 'c:*', '~ut:*'];
}

/** The keys a mutation the plan applies touches (none: it commutes with every stream op). */
function planKeys(m: Checked): string[] {
  switch (m.type) {
    case 'react':
      return [`m:${m.key.messageId}`];
    case 'removeRole':
      return [`mr:${m.guildId}:${m.roleId}`];
    case 'clearFor':
      return [ALL];
    case 'replaceForGuild':
      if (m.resource === 'member') return [`mg:${m.guildId}`, 'u:*'];
      if (m.resource === 'presence') return [`pg:${m.guildId}`, 'u:*'];
      if (m.resource === 'voiceState') return [`vg:${m.guildId}`];
      // (Role and emoji replaces are the stream's.) A channel replace's cascade deletes the
      // messages, invites and voice states of channels it removes, whichever they are.
      return m.resource === 'channel' ? CHANNEL_CASCADE : structureKeys(m);
    default:
      break;
  }
  const key = m.key as Record<string, string | undefined>;
  const own = userSideKeys(m, key);
  // A member write names the roles it sets: a role removal of the stream after it meets those.
  if (own && m.resource === 'member') return [...own, ...roleKeys(m, key.guildId!)];
  if (own) return own;
  switch (m.resource) {
    case 'message':
      // A merge may create or move the message: every channel index and author may change.
      return [`m:${key.messageId}`, 'c:*', 'ut:*'];
    case 'guild':
    case 'channel':
    case 'role':
    case 'emoji':
      // The record alone: a channel delete comes with its cascade as mutations of their own (the
      // batch is cut after apply/cascade.ts expandChannelDeletes).
      return structureKeys(m);
    case 'invite':
      return [`inv:${key.code}`];
    default:
      // The bot's user: nothing the stream writes.
      return [];
  }
}

/** One side's keys in a segment: its exclusive and shared keys, and the classes of each. */
class Touched {
  readonly #exclusive = new Set<string>();
  readonly #shared = new Set<string>();
  readonly #exclusiveClasses = new Set<string>();
  readonly #classes = new Set<string>();
  #all = false;
  #any = false;

  /** Whether anything is touched (a segment without a plan share yet meets nothing). */
  get any(): boolean {
    return this.#any;
  }

  add(keys: readonly string[]): void {
    for (const k of keys) {
      this.#any = true;
      if (k === ALL) this.#all = true;
      else if (k.startsWith('~')) {
        this.#shared.add(k.slice(1));
        this.#classes.add(classOf(k.slice(1)));
      } else {
        this.#exclusive.add(k);
        this.#exclusiveClasses.add(classOf(k));
        this.#classes.add(classOf(k));
      }
    }
  }

  /** Whether anything of `keys` meets what is touched here (two shared keys never meet). */
  meets(keys: readonly string[]): boolean {
    if (keys.length === 0) return false;
    if (this.#all) return true;
    for (const k of keys) {
      if (k === ALL) return this.#any;
      const shared = k.startsWith('~');
      const name = shared ? k.slice(1) : k;
      const cls = classOf(name);
      const wildcard = `${cls}:*`;
      if (name === wildcard) {
        if ((shared ? this.#exclusiveClasses : this.#classes).has(cls)) return true;
      } else if (this.#exclusive.has(name) || this.#exclusive.has(wildcard)) return true;
      else if (!shared && (this.#shared.has(name) || this.#shared.has(wildcard))) return true;
    }
    return false;
  }
}

/** The class of a key (`u` of `u:123`). */
function classOf(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

/**
 * Cut a batch, its channel deletes followed by their cascade (apply/cascade.ts
 * expandChannelDeletes), into segments (see the module comment); `largeGuilds`: Ctx.largeGuilds.
 */
export function segments(checked: readonly Checked[], largeGuilds?: ReadonlySet<string>): Segment[] {
  const out: Segment[] = [];
  let current: Segment = { stream: [], plan: [] };
  // What the current segment's plan share touches; the stream share's keys need no record.
  let touched = new Touched();
  const traits = streamTraits(checked, largeGuilds);
  // An ingest batch (a member chunk, a GUILD_CREATE) through the plan whole: its stream share would
  // be a few ops run first, a round trip of its own before the plan's packed member runs.
  if (traits.bulkMembers || traits.membersReplaced.size > 0) return [{ stream: [], plan: [...checked] }];
  for (const m of checked) {
    if (!hasOp(m, traits)) {
      current.plan.push(m);
      touched.add(planKeys(m));
      continue;
    }
    // Most batches have no plan share: their stream mutations' keys need not be worked out.
    if (touched.any && touched.meets(streamKeys(m))) {
      out.push(current);
      current = { stream: [], plan: [] };
      touched = new Touched();
    }
    current.stream.push(m);
  }
  out.push(current);
  return out;
}
