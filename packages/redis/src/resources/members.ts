/**
 * Reading members: records in per-guild bucket hashes (`{g:<id>}:m:<n>`, user
 * id → member record), joined with the user records on read.
 */
import { EntryNotFound, InvalidDataFound, type MemberEntity, type UserEntity } from '@sake/abc';
import { toCacheError } from '../connection.js';
import { idBytes, idFromBytes, memberCodec } from '../codec/index.js';
import { decodeAt, keyOf, type KeyOf } from '../codec/decode-at.js';
import type { Implied } from '../codec/record.js';
import { fieldLocator, type Ctx } from '../context.js';
import { bucketOf } from '../keys.js';
import { hscanWindows, sscanWindows } from '../scan.js';
import { guildsOfUser } from './children.js';
import { joinTails } from './tails.js';
import { readMemberUser, readMemberUsers } from './users.js';
import { decodeWithRoles, settleWith } from './roles.js';
import { UnknownIndex, type IdDictionary } from '../codec/dictionary.js';

/** The member bucket count of a guild, read from the store (null: the guild has no members). */
export async function readMemberBuckets(ctx: Ctx, guildId: string): Promise<number | null> {
  const raw = await ctx.conn.run('HGET', (c) => c.hget(ctx.keys.guildMeta(guildId), 'mb'), ctx.keys.guildMeta(guildId));
  const n = raw === null ? null : Number(raw);
  if (n === null || !Number.isInteger(n) || n < 1) {
    ctx.memberBucketHint.delete(guildId);
    return null;
  }
  ctx.memberBucketHint.set(guildId, n);
  return n;
}

/** The cached member (joined with its user), or null. */
export async function readMember(ctx: Ctx, guildId: string, userId: string): Promise<MemberEntity | null> {
  let buckets = ctx.memberBucketHint.get(guildId) ?? (await readMemberBuckets(ctx, guildId));
  if (buckets === null) return null;
  const field = idBytes(userId);
  for (let attempt = 0; ; attempt++) {
    const key = ctx.keys.memberBucket(guildId, bucketOf(userId, buckets));
    if (!ctx.conn.isCluster) {
      const found = await readMemberOneCall(ctx, guildId, userId, key);
      if (found) return found;
      if (attempt > 0) return null;
      const fresh = await readMemberBuckets(ctx, guildId);
      if (fresh === null || fresh === buckets) return null;
      buckets = fresh;
      continue;
    }
    // Both reads leave in the same tick: auto-pipelining sends them in one round trip.
    const [head, user] = await Promise.all([ctx.conn.run('HGET', () => ctx.conn.reads.call<Buffer | null>('hgetBuffer', [key, field]), key), readMemberUser(ctx, userId)]);
    if (head) {
      const where = fieldLocator(key, userId);
      const [bytes] = await joinTails(ctx, ctx.keys.memberTails(guildId, bucketOf(userId, buckets)), [field], [head], () => where);
      // A member whose user entry is gone still answers, with a user carrying only its id.
      return decodeWithRoles(ctx.roles, guildId, () => where, (roles) => memberCodec.decode(bytes!, where, guildId, user ?? ({ id: userId } as UserEntity), roles));
    }
    if (attempt > 0) return null;
    // A miss may come from a stale bucket-count hint: re-read it once.
    const fresh = await readMemberBuckets(ctx, guildId);
    if (fresh === null || fresh === buckets) return null;
    buckets = fresh;
  }
}

/**
 * `getMember`: the member joined with its user, or `EntryNotFound` naming it. On a single node
 * with a client the cache created and a known bucket count, the reply callback decodes and settles
 * the caller's promise directly (one promise instead of one per async step: each step was a
 * measurable share of a point read's latency). Everything else goes through {@link readMember}.
 */
export function getMemberEntity(ctx: Ctx, guildId: string, userId: string): Promise<MemberEntity> {
  const buckets = ctx.memberBucketHint.get(guildId);
  const conn = ctx.conn;
  if (buckets === undefined || conn.isCluster || !conn.owned || !conn.isOpen) {
    return readMember(ctx, guildId, userId).then((found) => {
      if (found === null) throw notCached(guildId, userId);
      return found;
    });
  }
  return new Promise<MemberEntity>((resolve, reject) => {
    const key = ctx.keys.memberBucket(guildId, bucketOf(userId, buckets));
    ctx.memberLoader.request(
      key,
      userId,
      bucketOf(userId, ctx.userBuckets),
      (blob, pos) => {
        if (blob) {
          try {
            settleWith(
              decodeWithRoles(ctx.roles, guildId, () => key, (roles) => decodePacked(blob, pos, { guild_id: guildId }, key, ctx, roles)),
              resolve,
              reject,
            );
          } catch (err) {
            reject(err);
          }
          return;
        }
        // A miss may come from a stale bucket-count hint: the general path re-reads it.
        readMemberAfterMiss(ctx, guildId, userId, buckets).then((found) => (found ? resolve(found) : reject(notCached(guildId, userId))), reject);
      },
      (err) => reject(toCacheError(err, 'getMember')),
    );
  });
}

/** The error of a member that is not cached (its message built only then). */
function notCached(guildId: string, userId: string): EntryNotFound {
  return new EntryNotFound(`member ${userId} of guild ${guildId} is not cached`);
}

/** After a miss with `buckets` as the bucket count: re-read the count and, if it changed, read again. */
async function readMemberAfterMiss(ctx: Ctx, guildId: string, userId: string, buckets: number): Promise<MemberEntity | null> {
  const fresh = await readMemberBuckets(ctx, guildId);
  if (fresh === null || fresh === buckets) return null;
  return readMember(ctx, guildId, userId);
}

/** A member and its user through `sakeReadMember` (single node: one command, one reply). */
function readMemberOneCall(ctx: Ctx, guildId: string, userId: string, key: string): Promise<MemberEntity | null> {
  return ctx.conn.run(
    'sakeReadMember',
    () =>
      new Promise<MemberEntity | null>((resolve, reject) =>
        ctx.memberLoader.request(
          key,
          userId,
          bucketOf(userId, ctx.userBuckets),
          (blob, pos) => {
            try {
              if (!blob) resolve(null);
              else settleWith(decodeWithRoles(ctx.roles, guildId, () => key, (roles) => decodePacked(blob, pos, { guild_id: guildId }, key, ctx, roles)), resolve, reject);
            } catch (err) {
              reject(err);
            }
          },
          reject,
        ),
      ),
  );
}

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

/** End of the packed member {@link decodePacked} or {@link packedLength} read last. */
let packedEnd = 0;

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
function decodePacked(blob: Buffer, pos: number, implied: Implied, memberKey: KeyOf, ctx: Ctx, roles: IdDictionary): MemberEntity {
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

/** Member buckets fetched per window of an iteration (64–128 members each). */
const BUCKETS_PER_WINDOW = 4;

/** Windows requested ahead of the one being consumed (Redis reads the next ones while this process decodes). */
const WINDOWS_AHEAD = 3;

/** The `[field, value]` pairs of one member bucket (HSCAN: a listpack bucket comes back in one call). */
export async function bucketEntries(ctx: Ctx, key: string): Promise<Array<[Buffer, Buffer]>> {
  const out: Array<[Buffer, Buffer]> = [];
  for await (const window of hscanWindows(ctx, key)) for (const pair of window) out.push(pair);
  return out;
}

/**
 * One window of members on a single node: `sakeReadMemberWindow` reads the
 * buckets, their tails and their users in one command with one packed reply.
 * A `WRONGTYPE` failure (a foreign value under one of the keys) is retried
 * through the per-command path, whose error names the key.
 */
async function memberWindowOneCall(ctx: Ctx, guildId: string, from: number, to: number): Promise<MemberEntity[]> {
  const base = ctx.keys.memberBucketPrefix(guildId);
  let blob: Buffer;
  try {
    blob = await ctx.conn.run('sakeReadMemberWindow', () =>
      ctx.conn.reads.call<Buffer>('sakeReadMemberWindowBuffer', [ctx.keys.prefix, base, from, to, ctx.userBuckets]),
    );
  } catch (err) {
    if (err instanceof Error && /\bWRONGTYPE\b/.test(err.message)) return memberWindowPerSlot(ctx, guildId, from, to);
    throw err;
  }
  const implied = { guild_id: guildId };
  const decodeAll = (roles: IdDictionary): MemberEntity[] => {
    const out: MemberEntity[] = [];
    let bucket = from;
    const memberKey = (): string => `${base}${bucket}`;
    for (let pos = 0; pos < blob.length; ) {
      if (blob[pos] === 255) {
        // A bucket marker: the members after it are in that bucket.
        bucket = blob.readUInt32BE(pos + 1);
        pos += 5;
        continue;
      }
      out.push(decodePacked(blob, pos, implied, memberKey, ctx, roles));
      pos = packedEnd;
    }
    return out;
  };
  return decodeWithRoles(ctx.roles, guildId, () => `${base}${from}`, decodeAll);
}

/** One window of members (cluster): several buckets fetched together, then their users in one pipelined join. */
async function memberWindowPerSlot(ctx: Ctx, guildId: string, from: number, to: number): Promise<MemberEntity[]> {
  const keys: string[] = [];
  for (let b = from; b < to; b++) keys.push(ctx.keys.memberBucket(guildId, b));
  const buckets = await Promise.all(
    keys.map(async (key, k) => {
      const entries = await bucketEntries(ctx, key);
      const ids = entries.map(([field]) => idFromBytes(field));
      const values = await joinTails(ctx, ctx.keys.memberTails(guildId, from + k), entries.map(([f]) => f), entries.map(([, v]) => v), (i) => fieldLocator(key, ids[i]!));
      return { key, ids, values };
    }),
  );
  const userIds: string[] = [];
  for (const { ids } of buckets) for (const id of ids) userIds.push(id);
  const users = await readMemberUsers(ctx, userIds);
  return decodeWithRoles(ctx.roles, guildId, () => keys[0]!, (roles) => {
    const out: MemberEntity[] = [];
    let n = 0;
    for (const { key, ids, values } of buckets) {
      for (let i = 0; i < ids.length; i++) {
        const user = users[n++] ?? ({ id: ids[i]! } as UserEntity);
        const where = fieldLocator(key, ids[i]!);
        try {
          out.push(memberCodec.decode(values[i]!, where, guildId, user, roles));
        } catch (err) {
          if (err instanceof UnknownIndex) err.where = where;
          throw err;
        }
      }
    }
    return out;
  });
}

/**
 * Every member of one guild, a window of buckets at a time, joined with users;
 * the next window is fetched while the current one is consumed (memory stays
 * bounded: two windows). Yields whole windows (see window-iterator.ts).
 */
export async function* guildMemberWindows(ctx: Ctx, guildId: string): AsyncGenerator<MemberEntity[]> {
  const buckets = await readMemberBuckets(ctx, guildId);
  if (buckets === null) return;
  const window = ctx.conn.isCluster ? memberWindowPerSlot : memberWindowOneCall;
  const windowAt = (from: number): Promise<MemberEntity[]> => window(ctx, guildId, from, Math.min(buckets, from + BUCKETS_PER_WINDOW));
  const pending: Array<Promise<MemberEntity[]>> = [];
  let from = 0;
  const fill = (): void => {
    while (pending.length <= WINDOWS_AHEAD && from < buckets) {
      const next = windowAt(from);
      // Don't leave a prefetch rejecting unobserved if the consumer stops early.
      next.catch(() => {});
      pending.push(next);
      from += BUCKETS_PER_WINDOW;
    }
  };
  fill();
  while (pending.length > 0) {
    const current = pending.shift()!;
    fill();
    yield await current;
  }
}

/** Every member of every guild, in windows. */
export async function* allMemberWindows(ctx: Ctx): AsyncGenerator<MemberEntity[]> {
  for await (const guildIds of sscanWindows(ctx, ctx.keys.guildSlots)) {
    for (const guildId of guildIds) yield* guildMemberWindows(ctx, guildId);
  }
}

/** The members of one user across guilds. */
export async function* iterMembersForUser(ctx: Ctx, userId: string): AsyncGenerator<MemberEntity> {
  const guildIds = await guildsOfUser(ctx, 'member', userId);
  const found = await Promise.all(guildIds.map((g) => readMember(ctx, g, userId)));
  for (const m of found) if (m) yield m;
}

/** Number of members of one guild (kept by the write script). */
export async function countGuildMembers(ctx: Ctx, guildId: string): Promise<number> {
  const raw = await ctx.conn.run('HGET', (c) => c.hget(ctx.keys.guildMeta(guildId), 'mc'), ctx.keys.guildMeta(guildId));
  return Math.max(0, Number(raw ?? 0) || 0);
}

/** Number of members of every guild. */
export async function countAllMembers(ctx: Ctx): Promise<number> {
  let total = 0;
  for await (const guildIds of sscanWindows(ctx, ctx.keys.guildSlots)) {
    const counts = await Promise.all(guildIds.map((g) => countGuildMembers(ctx, g)));
    for (const n of counts) total += n;
  }
  return total;
}

/** Re-exported for the writer: users are read through the same path. */
export type { UserEntity };
