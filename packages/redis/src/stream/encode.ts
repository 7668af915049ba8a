/**
 * A batch as `sakeBatch` op stream pieces (scripts/batch.lua's header has the ops): each value
 * encoded with the type-aware codec, ids as text, a user's id also as its 8 bytes and bucket so
 * the script converts nothing.
 */
import {
  applyReactionChange,
  fillKeyFields,
  reactionEmojiKey,
  type InviteEntity,
  type MessageEntity,
  type PresenceEntity,
  type VoiceStateEntity,
} from '@sake/abc';
import { encodeRecord, idBytes, inviteCodec, messageCodec, presenceCodec, voiceStateCodec } from '../codec/index.js';
import { packr } from '../codec/msgpack.js';
import type { Ctx } from '../context.js';
import { bucketOf, bucketSeed } from '../keys.js';
import type { Checked, Entity } from '../apply/validate.js';
import { encodeGuildOp, isGuildStructure } from './encode-guilds.js';
import { HeldStrips } from './strips.js';
import { OpStreamWriter } from './writer.js';

type Of<T extends Checked['type']> = Extract<Checked, { type: T }>;

/** Where a message is indexed: decimal ids, '' for none. */
export interface MessagePlace {
  guild: string;
  channel: string;
  author: string;
}

/** The index places of a message value. */
export function placeOf(value: Entity): MessagePlace {
  const message = value as unknown as MessageEntity;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- validation lets a message without an author through
  return { guild: message.guild_id ?? '', channel: message.channel_id, author: message.author?.id ?? '' };
}

/** An author field pair: the 8-byte id and the user bucket ('' and '' for none). */
function author(w: OpStreamWriter, ctx: Ctx, authorId: string): void {
  if (authorId === '') w.bytes(undefined).text('');
  else w.bytes(idBytes(authorId)).text(String(bucketOf(authorId, ctx.userBuckets)));
}

/** Write where a message set (or created by an upsert) goes: channel guild author af ab limit score at. */
function placement(w: OpStreamWriter, ctx: Ctx, value: Entity, m: Of<'set'> | Of<'merge'>, now: number): void {
  const place = placeOf(value);
  const expireAt = m.ttlMs == null ? undefined : now + Math.ceil(m.ttlMs);
  w.text(place.channel).text(place.guild).text(place.author);
  author(w, ctx, place.author);
  w.text(String(m.channelLimit ?? 0));
  w.text(expireAt === undefined ? 'inf' : String(expireAt)).text(expireAt === undefined ? '0' : String(expireAt));
}

/** Write `S`: set a message. */
function setMessage(w: OpStreamWriter, ctx: Ctx, m: Of<'set'>, now: number): void {
  const id = (m.key as { messageId: string }).messageId;
  w.op('S').text(id);
  placement(w, ctx, m.value, m, now);
  w.bytes(messageCodec.encode(m.value as unknown as MessageEntity, id));
}

/** Write `C`: merge a message (an upsert: with where it goes if the merge creates it). */
function mergeMessage(w: OpStreamWriter, ctx: Ctx, m: Of<'merge'>, now: number): void {
  const id = (m.key as { messageId: string }).messageId;
  w.op('C')
    .text(id)
    .bytes(encodeRecord('message', m.patch, { id }))
    .text(m.upsert ? '1' : '0');
  if (m.upsert) placement(w, ctx, fillKeyFields('message', m.key, m.patch), m, now);
  else for (let k = 0; k < 8; k++) w.text('');
  // The placement fields the patch sets: a merge that changes one moves the message.
  const p = patchPlace(m.patch);
  const sets = (p.channel !== undefined ? 'c' : '') + (p.guild !== undefined ? 'g' : '') + (p.author !== undefined ? 'a' : '');
  w.text(sets)
    .text(p.channel ?? '')
    .text(p.guild ?? '')
    .text(p.author ?? '');
  author(w, ctx, p.author ?? '');
}

/** The placement fields a message patch sets ('' for a guild or author set to null; undefined: not set). */
function patchPlace(patch: Entity): Partial<MessagePlace> {
  const p = patch as { channel_id?: string; guild_id?: string | null; author?: { id?: string } | null };
  return {
    channel: p.channel_id,
    guild: 'guild_id' in p ? (p.guild_id ?? '') : undefined,
    author: 'author' in p ? (p.author?.id ?? '') : undefined,
  };
}

/** Where message `id` is after `checked`, from where it was before (`from`); undefined when the batch deletes it last. */
export function finalPlace(checked: readonly Checked[], id: string, from: MessagePlace): MessagePlace | undefined {
  let place: MessagePlace | undefined = from;
  for (const m of checked) {
    if (m.resource !== 'message' || !('key' in m) || (m.key as { messageId?: string }).messageId !== id) continue;
    if (m.type === 'set') place = placeOf(m.value);
    else if (m.type === 'delete') place = undefined;
    else if (m.type === 'merge' && place !== undefined) {
      const p = patchPlace(m.patch);
      place = { channel: p.channel ?? place.channel, guild: p.guild ?? place.guild, author: p.author ?? place.author };
    }
  }
  return place;
}

/** Write `M`: merge a member and its user. */
function mergeMember(w: OpStreamWriter, ctx: Ctx, m: Of<'merge'>, implied: Implied): void {
  const { guildId, userId } = m.key as { guildId: string; userId: string };
  const user = m.patch.user as Entity | undefined;
  w.op('M').text(guildId);
  userFields(w, ctx, userId, true);
  w.bytes(encodeRecord('member', m.patch, implied.of(guildId), 'user', ctx.roles.of(guildId)));
  w.bytes(ctx.guildRefs.ref(guildId));
  w.bytes(user === undefined ? undefined : encodeRecord('user', user, { id: userId }));
}

/** A member's or presence's user: its 8-byte id, user bucket and (members) bucket seed. */
function userFields(w: OpStreamWriter, ctx: Ctx, userId: string, seed: boolean): void {
  w.bytes(idBytes(userId)).text(String(bucketOf(userId, ctx.userBuckets)));
  if (seed) w.text(String(bucketSeed(userId)));
}

/** Write `I`: set an invite (it expires `ttlMs` from `now`; none: never). */
function setInvite(w: OpStreamWriter, m: Of<'set'>, now: number): void {
  const invite = m.value as unknown as InviteEntity;
  // (Validation lets an invite without a guild or channel through.)
  const place = m.value as { guild_id?: string | null; channel_id?: string | null };
  const expireAt = m.ttlMs == null ? undefined : now + Math.ceil(m.ttlMs);
  w.op('I')
    .text(invite.code)
    .text(place.guild_id ?? '')
    .text(place.channel_id ?? '');
  w.text(expireAt === undefined ? 'inf' : String(expireAt)).text(expireAt === undefined ? '0' : String(expireAt));
  w.bytes(inviteCodec.encode(invite, invite.code));
}

/** Write `N`: set a member and its user. */
function setMember(w: OpStreamWriter, ctx: Ctx, m: Of<'set'>, implied: Implied): void {
  const { guildId, userId } = m.key as { guildId: string; userId: string };
  w.op('N').text(guildId);
  userFields(w, ctx, userId, true);
  w.bytes(encodeRecord('member', m.value, implied.of(guildId), 'user', ctx.roles.of(guildId)));
  w.bytes(ctx.guildRefs.ref(guildId));
  w.bytes(encodeRecord('user', m.value.user as Entity, { id: userId }));
}

/** Write the ops of a set. */
function set(w: OpStreamWriter, ctx: Ctx, m: Of<'set'>, now: number, implied: Implied): void {
  const { guildId, userId } = m.key as { guildId: string; userId: string };
  switch (m.resource) {
    case 'member':
      setMember(w, ctx, m, implied);
      return;
    case 'message':
      setMessage(w, ctx, m, now);
      return;
    case 'presence':
      w.op('P').text(guildId);
      userFields(w, ctx, userId, false);
      w.bytes(presenceCodec.encode(m.value as unknown as PresenceEntity, guildId)).bytes(ctx.guildRefs.ref(guildId));
      return;
    case 'invite':
      setInvite(w, m, now);
      return;
    case 'voiceState':
      w.op('V')
        .text(guildId)
        .text(userId)
        .bytes(idBytes(userId))
        .text((m.value.channel_id as string | null | undefined) ?? '');
      w.bytes(voiceStateCodec.encode(m.value as unknown as VoiceStateEntity, guildId, userId));
      return;
    default:
      throw new TypeError(`sakeBatch has no op for a set of ${m.resource}`);
  }
}

/** Write the ops of a delete. */
function remove(w: OpStreamWriter, ctx: Ctx, m: Of<'delete'>): void {
  const { guildId, userId, messageId } = m.key as { guildId: string; userId: string; messageId: string };
  switch (m.resource) {
    case 'message':
      w.op('D').text(messageId);
      return;
    case 'member':
      w.op('n').text(guildId);
      userFields(w, ctx, userId, true);
      w.bytes(ctx.guildRefs.ref(guildId));
      return;
    case 'presence':
      w.op('p').text(guildId);
      userFields(w, ctx, userId, false);
      w.bytes(ctx.guildRefs.ref(guildId));
      return;
    case 'voiceState':
      w.op('v').text(guildId).text(userId).bytes(idBytes(userId));
      return;
    case 'invite':
      w.op('i').text(m.key.code);
      return;
    default:
      throw new TypeError(`sakeBatch has no op for a delete of ${m.resource}`);
  }
}

/** Write the ops of a merge. */
function merge(w: OpStreamWriter, ctx: Ctx, m: Of<'merge'>, now: number, implied: Implied): void {
  if (m.resource === 'member') mergeMember(w, ctx, m, implied);
  else if (m.resource === 'message') mergeMessage(w, ctx, m, now);
  else if (m.resource === 'user') {
    const userId = m.key.userId;
    w.op('U');
    userFields(w, ctx, userId, false);
    w.bytes(encodeRecord('user', m.patch, { id: userId })).text(m.upsert ? '1' : '0');
  } else throw new TypeError(`sakeBatch has no op for a merge of ${m.resource}`);
}

/** The op letter of each reaction change. */
const REACT_OP = { add: 'a', remove: 'r', removeAll: 'A', removeEmoji: 'E' } as const;

/** Write `R`: change a message's reactions (what an add creates is encoded here: it depends on nothing stored). */
function react(w: OpStreamWriter, m: Of<'react'>): void {
  const c = m.change;
  w.op('R').text(m.key.messageId).text(REACT_OP[c.op]);
  w.bytes(c.op === 'removeAll' ? undefined : Buffer.from(reactionEmojiKey(c.emoji), 'utf8'));
  const flags = c.op === 'add' || c.op === 'remove' ? c : { burst: false, me: false };
  w.text(flags.burst ? '1' : '0').text(flags.me ? '1' : '0');
  w.bytes(c.op === 'add' ? packr.pack(applyReactionChange([], c)[0]) : undefined);
  const colors = c.op === 'add' && c.burst && c.burstColors !== undefined && c.burstColors.length > 0 ? c.burstColors : undefined;
  w.bytes(colors === undefined ? undefined : packr.pack([...colors]));
}

/** The implied fields of each guild's member records, one object per guild. */
class Implied {
  readonly #byGuild = new Map<string, Readonly<Record<string, string>>>();
  of(guildId: string): Readonly<Record<string, string>> {
    let fields = this.#byGuild.get(guildId);
    if (!fields) this.#byGuild.set(guildId, (fields = { guild_id: guildId }));
    return fields;
  }
}

/**
 * The op stream of mutations it has ops for (coverage.ts), in pieces of bounded size; `marks` gets,
 * for each batch index of `marked` in batch order, the stream index (0-based) of the op that
 * applies it (each such mutation is one op: stream/previous.ts).
 */
export function encodeBatch(ctx: Ctx, checked: readonly Checked[], now: number, marked?: ReadonlySet<number>, marks?: number[]): Buffer[] {
  const w = new OpStreamWriter();
  const implied = new Implied();
  const strips = new HeldStrips();
  for (let i = 0; i < checked.length; i++) {
    const m = checked[i]!;
    const reportsOld = marked?.has(i) === true;
    strips.before(w, m, reportsOld);
    if (reportsOld) marks!.push(w.written);
    if (isGuildStructure(m.resource) || m.type === 'replaceForGuild') encodeGuildOp(w, m);
    else if (m.type === 'set') set(w, ctx, m, now, implied);
    else if (m.type === 'delete') remove(w, ctx, m);
    else if (m.type === 'merge') merge(w, ctx, m, now, implied);
    else if (m.type === 'react') react(w, m);
    else if (m.type === 'clearFor' && m.resource === 'message' && m.scope === 'channel') w.op('K').text(m.id);
    else if (m.type === 'clearFor' && m.resource === 'voiceState' && m.scope === 'channel') w.op('Y').text(m.id);
    else if (m.type === 'clearFor' && m.resource === 'invite' && m.scope === 'channel') w.op('k').text(m.id);
    else if (m.type === 'removeRole') strips.hold(m.guildId, m.roleId);
    else throw new TypeError(`sakeBatch has no op for a ${m.type}`);
  }
  strips.flush(w);
  return w.pieces();
}

/** Write `X` ops: drop message `id` from the indexes of `from` that `to` does not have. */
export function unindexMoved(w: OpStreamWriter, ctx: Ctx, id: string, from: MessagePlace, to: MessagePlace): void {
  const moved = (k: keyof MessagePlace): string => (from[k] !== to[k] ? from[k] : '');
  const gone = moved('author');
  w.op('X').text(id).text(moved('guild')).text(moved('channel')).text(gone);
  author(w, ctx, gone);
}

/** Write an `E` op: delete message `id`, its all-messages entry and its entries in the indexes of `place`. */
export function dropMessage(w: OpStreamWriter, ctx: Ctx, id: string, place: MessagePlace): void {
  w.op('E').text(id).text(place.guild).text(place.channel).text(place.author);
  author(w, ctx, place.author);
}
