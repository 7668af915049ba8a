/**
 * Reading members: records in per-guild bucket hashes (`{g:<id>}:m:<n>`, user
 * id → member record), joined with the user records on read.
 */
import type { MemberEntity, UserEntity } from '@sake/abc';
import { idBytes, idFromBytes, memberCodec, userCodec } from '../codec/index.js';
import { joinRecord } from '../codec/split.js';
import { fieldLocator, type Ctx } from '../context.js';
import { bucketOf } from '../keys.js';
import { hscanWindows, sscanWindows } from '../scan.js';
import { guildsOfUser } from './children.js';
import { joinTails } from './tails.js';
import { readMemberUser, readMemberUsers } from './users.js';

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
      const found = await readMemberOneCall(ctx, guildId, userId, key, buckets, field);
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
      return memberCodec.decode(bytes!, where, guildId, user ?? ({ id: userId } as UserEntity));
    }
    if (attempt > 0) return null;
    // A miss may come from a stale bucket-count hint: re-read it once.
    const fresh = await readMemberBuckets(ctx, guildId);
    if (fresh === null || fresh === buckets) return null;
    buckets = fresh;
  }
}

/** A member and its user through `sakeReadMember` (single node: one command, one reply). */
async function readMemberOneCall(ctx: Ctx, guildId: string, userId: string, key: string, buckets: number, field: Buffer): Promise<MemberEntity | null> {
  const userBucket = bucketOf(userId, ctx.userBuckets);
  const userKey = ctx.keys.users(userBucket);
  const reply = await ctx.conn.run('sakeReadMember', () =>
    ctx.memberLoader.load(key, userId, userBucket, field),
  );
  if (!reply) return null;
  const where = fieldLocator(key, userId);
  const member = joinRecord(reply[0]!, reply[1], where);
  const userHead = reply[2];
  // A member whose user entry is gone still answers, with a user carrying only its id.
  const user = userHead ? userCodec.decode(joinRecord(userHead, reply[3], fieldLocator(userKey, userId)), fieldLocator(userKey, userId), userId) : ({ id: userId } as UserEntity);
  return memberCodec.decode(member, where, guildId, user);
}

/** Member buckets fetched per window of an iteration (~64 members each). */
const BUCKETS_PER_WINDOW = 16;

/** The `[field, value]` pairs of one member bucket (HSCAN: a listpack bucket comes back in one call). */
async function bucketEntries(ctx: Ctx, key: string): Promise<Array<[Buffer, Buffer]>> {
  const out: Array<[Buffer, Buffer]> = [];
  for await (const window of hscanWindows(ctx, key)) for (const pair of window) out.push(pair);
  return out;
}

/** One window of members: several buckets fetched together, then their users in one pipelined join. */
async function memberWindow(ctx: Ctx, guildId: string, from: number, to: number): Promise<MemberEntity[]> {
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
  const out: MemberEntity[] = [];
  let n = 0;
  for (const { key, ids, values } of buckets) {
    for (let i = 0; i < ids.length; i++) {
      const user = users[n++] ?? ({ id: ids[i]! } as UserEntity);
      out.push(memberCodec.decode(values[i]!, fieldLocator(key, ids[i]!), guildId, user));
    }
  }
  return out;
}

/**
 * Every member of one guild, a window of buckets at a time, joined with users;
 * the next window is fetched while the current one is consumed (memory stays
 * bounded: two windows).
 */
export async function* iterGuildMembers(ctx: Ctx, guildId: string): AsyncGenerator<MemberEntity> {
  const buckets = await readMemberBuckets(ctx, guildId);
  if (buckets === null) return;
  const windowAt = (from: number): Promise<MemberEntity[]> => memberWindow(ctx, guildId, from, Math.min(buckets, from + BUCKETS_PER_WINDOW));
  let next: Promise<MemberEntity[]> | undefined = windowAt(0);
  for (let from = 0; next; from += BUCKETS_PER_WINDOW) {
    const current: Promise<MemberEntity[]> = next;
    // Don't leave a prefetch rejecting unobserved if the consumer stops early.
    next = from + BUCKETS_PER_WINDOW < buckets ? windowAt(from + BUCKETS_PER_WINDOW) : undefined;
    next?.catch(() => {});
    yield* await current;
  }
}

/** Every member of every guild. */
export async function* iterAllMembers(ctx: Ctx): AsyncGenerator<MemberEntity> {
  for await (const guildIds of sscanWindows(ctx, ctx.keys.guildSlots)) {
    for (const guildId of guildIds) yield* iterGuildMembers(ctx, guildId);
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
