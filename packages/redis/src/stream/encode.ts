/**
 * A batch as `sakeBatch` op stream pieces (scripts/batch.lua's header has the ops): each value
 * encoded with the type-aware codec, ids as text, a user's id also as its 8 bytes and bucket so
 * the script converts nothing.
 */
import type { MessageEntity } from '@sake/abc';
import { encodeRecord, idBytes, messageCodec } from '../codec/index.js';
import type { Ctx } from '../context.js';
import { bucketOf, bucketSeed } from '../keys.js';
import type { Checked, Entity } from '../apply/validate.js';
import { OpStreamWriter } from './writer.js';

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

/** Write `S`: set a message. */
function setMessage(w: OpStreamWriter, ctx: Ctx, m: Extract<Checked, { type: 'set' }>, now: number): void {
  const place = placeOf(m.value);
  const id = (m.key as { messageId: string }).messageId;
  const expireAt = m.ttlMs == null ? undefined : now + Math.ceil(m.ttlMs);
  w.op('S').text(id).text(place.channel).text(place.guild).text(place.author);
  author(w, ctx, place.author);
  w.text(String(m.channelLimit ?? 0));
  w.text(expireAt === undefined ? 'inf' : String(expireAt)).text(expireAt === undefined ? '0' : String(expireAt));
  w.bytes(messageCodec.encode(m.value as unknown as MessageEntity, id));
}

/** Write `M`: merge a member and its user. */
function mergeMember(w: OpStreamWriter, ctx: Ctx, m: Extract<Checked, { type: 'merge' }>, implied: Map<string, Readonly<Record<string, string>>>): void {
  const { guildId, userId } = m.key as { guildId: string; userId: string };
  let guild = implied.get(guildId);
  if (!guild) implied.set(guildId, (guild = { guild_id: guildId }));
  const user = m.patch.user as Entity | undefined;
  w.op('M')
    .text(guildId)
    .bytes(idBytes(userId))
    .text(String(bucketOf(userId, ctx.userBuckets)))
    .text(String(bucketSeed(userId)));
  w.bytes(encodeRecord('member', m.patch, guild, 'user', ctx.roles.of(guildId)));
  w.bytes(ctx.guildRefs.ref(guildId));
  w.bytes(user === undefined ? undefined : encodeRecord('user', user, { id: userId }));
}

/** The op stream of a batch {@link streamCovers} accepted, in pieces of bounded size. */
export function encodeBatch(ctx: Ctx, checked: readonly Checked[], now: number): Buffer[] {
  const w = new OpStreamWriter();
  // The implied fields of each guild's member records, one object per guild.
  const implied = new Map<string, Readonly<Record<string, string>>>();
  for (const m of checked) {
    if (m.type === 'set') setMessage(w, ctx, m, now);
    else if (m.type === 'merge') mergeMember(w, ctx, m, implied);
    else throw new TypeError(`sakeBatch has no op for a ${m.type} of ${m.resource}`);
  }
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
