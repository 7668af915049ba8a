/**
 * The packed member (scripts/includes/packed-member.lua): one member
 * read as the single-node read scripts answer it — a small header, the 8-byte
 * user id, the member bytes, the user bytes — and its decoder. The member
 * loader packs a member it read with plain commands the same way, so one
 * decoder serves every single-node member read.
 */
import { InvalidDataFound, type MemberEntity, type UserEntity } from '@sake/abc';
import { decodeAt, keyOf, type KeyOf } from '../codec/decode-at.js';
import { UnknownIndex, type IdDictionary } from '../codec/dictionary.js';
import { idFromBytes } from '../codec/ids.js';
import type { Implied } from '../codec/record.js';
import { SPLIT_MARK } from '../codec/split.js';
import { fieldLocator, type Ctx } from '../context.js';
import { bucketOf } from '../keys.js';
import { decodeWithRoles } from '../resources/roles.js';

/** The user bucket key of a user id (names a user entry in errors). */
function userKey(ctx: Ctx, userId: string): string {
  return ctx.keys.users(bucketOf(userId, ctx.userBuckets));
}

/** {@link userKey} as a function of the id, one per cache (no closure per record). */
const userKeyFns = new WeakMap<Ctx, (userId: string) => string>();
function userKeyOf(ctx: Ctx): (userId: string) => string {
  let fn = userKeyFns.get(ctx);
  if (!fn) {
    fn = (id) => userKey(ctx, id);
    userKeyFns.set(ctx, fn);
  }
  return fn;
}

/** End of the packed member {@link decodePacked} read last. */
let packedEnd = 0;

/** Where the packed member {@link decodePacked} read last ends in its blob (the next one starts there). */
export function lastPackedEnd(): number {
  return packedEnd;
}

/** Length of the packed member at `pos` (header included). */
export function packedLength(blob: Buffer, pos: number): number {
  const flags = blob[pos]!;
  if (flags & 32) return 13 + blob.readUInt32BE(pos + 1) + blob.readUInt32BE(pos + 5) + blob.readUInt32BE(pos + 9);
  return 6 + blob[pos + 1]! + ((blob[pos + 2]! << 8) | blob[pos + 3]!) + ((blob[pos + 4]! << 8) | blob[pos + 5]!);
}

/**
 * The member (joined with its user) packed at `pos` of `blob` by one of the
 * scripts (scripts/includes/packed-member.lua); sets
 * {@link packedEnd}. `memberKey` names the member's bucket for errors (a
 * function: only called for one). `roles`: the guild's role dictionary
 * (`UnknownIndex`, naming the entry, when it is behind: see roles.ts).
 */
export function decodePacked(blob: Buffer, pos: number, implied: Implied, memberKey: KeyOf, ctx: Ctx, roles: IdDictionary): MemberEntity {
  const flags = blob[pos]!;
  let fieldLength: number;
  let m0: number;
  let u0: number;
  let end: number;
  if (flags & 32) {
    fieldLength = blob.readUInt32BE(pos + 1);
    m0 = pos + 13 + fieldLength;
    u0 = m0 + blob.readUInt32BE(pos + 5);
    end = u0 + blob.readUInt32BE(pos + 9);
  } else {
    fieldLength = blob[pos + 1]!;
    m0 = pos + 6 + fieldLength;
    u0 = m0 + ((blob[pos + 2]! << 8) | blob[pos + 3]!);
    end = u0 + ((blob[pos + 4]! << 8) | blob[pos + 5]!);
  }
  if (end > blob.length) throw new InvalidDataFound(keyOf(memberKey, ''), 'truncated member read reply');
  packedEnd = end;
  if (fieldLength !== 8) throw new InvalidDataFound(keyOf(memberKey, ''), `a member field of ${fieldLength} bytes (not an 8-byte user id)`);
  const userId = idFromBytes(blob, m0 - 8);
  if (flags & 1) throw new InvalidDataFound(fieldLocator(keyOf(memberKey, userId), userId), 'split value whose tail is missing');
  let user: UserEntity;
  // A member whose user entry is gone still answers, with a user carrying only its id.
  if (flags & 2) user = { id: userId } as UserEntity;
  else {
    if (flags & 4) throw new InvalidDataFound(fieldLocator(userKey(ctx, userId), userId), 'split value whose tail is missing');
    // Flag 16: a split head followed by its tail; the record starts after the marker byte.
    user = decodeAt<UserEntity>('user', blob, flags & 16 ? u0 + 1 : u0, end, { id: userId }, userKeyOf(ctx), userId);
  }
  let member: MemberEntity;
  try {
    member = decodeAt<MemberEntity>('member', blob, flags & 8 ? m0 + 1 : m0, u0, implied, memberKey, userId, roles);
  } catch (err) {
    if (err instanceof UnknownIndex) err.where = fieldLocator(keyOf(memberKey, userId), userId);
    throw err;
  }
  member.user = user;
  return member;
}

/**
 * {@link decodePacked} with the guild's role dictionary: when the member refers to a role this
 * process's copy lacks, the copy is refreshed and the member decoded again (a promise then).
 * `key` names the member's bucket.
 */
export function decodePackedMember(ctx: Ctx, guildId: string, key: string, blob: Buffer, pos: number): MemberEntity | Promise<MemberEntity> {
  return decodeWithRoles(
    ctx.roles,
    guildId,
    () => key,
    (roles) => decodePacked(blob, pos, { guild_id: guildId }, key, ctx, roles),
  );
}

/**
 * The packed form (scripts/includes/packed-member.lua) of a member read piece by piece:
 * `tail` counts only for a head marked split, `userTail` only for a user head marked split.
 */
export function packPieces(field: Buffer, head: Buffer, tail: Buffer | null, user: Buffer | null, userTail: Buffer | null): Buffer {
  let flags = 0;
  let mt: Buffer | null = null;
  if (head[0] === SPLIT_MARK) {
    if (tail) {
      flags |= 8;
      mt = tail;
    } else flags |= 1;
  }
  let ut: Buffer | null = null;
  if (!user) flags |= 2;
  else if (user[0] === SPLIT_MARK) {
    if (userTail) {
      flags |= 16;
      ut = userTail;
    } else flags |= 4;
  }
  const ml = head.length + (mt ? mt.length : 0);
  const ul = user ? user.length + (ut ? ut.length : 0) : 0;
  const long = ml > 0xffff || ul > 0xffff;
  const headerLength = long ? 13 : 6;
  const out = Buffer.allocUnsafe(headerLength + field.length + ml + ul);
  if (long) {
    out[0] = flags | 32;
    out.writeUInt32BE(field.length, 1);
    out.writeUInt32BE(ml, 5);
    out.writeUInt32BE(ul, 9);
  } else {
    out[0] = flags;
    out[1] = field.length;
    out.writeUInt16BE(ml, 2);
    out.writeUInt16BE(ul, 4);
  }
  let at = headerLength;
  at += field.copy(out, at);
  at += head.copy(out, at);
  if (mt) at += mt.copy(out, at);
  if (user) at += user.copy(out, at);
  if (ut) ut.copy(out, at);
  return out;
}
