/**
 * Reading members: records in per-guild bucket hashes (`{g:<id>}:m:<n>`, user
 * id → member record), joined with the user records on read.
 */
import type { MemberEntity, UserEntity } from '@sake/abc';
import { idBytes, idFromBytes, memberCodec } from '../codec/index.js';
import { fieldLocator, type Ctx } from '../context.js';
import { bucketOf } from '../keys.js';
import { hscanWindows, sscanWindows } from '../scan.js';
import { guildsOfUser } from './children.js';
import { readUsers } from './users.js';

/** The member bucket count of a guild, read from the store (null: the guild has no members). */
export async function readMemberBuckets(ctx: Ctx, guildId: string): Promise<number | null> {
  const raw = await ctx.conn.run('HGET', (c) => c.hget(ctx.keys.guildMeta(guildId), 'mb'));
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
    const [bytes, user] = await Promise.all([
      ctx.conn.run('HGET', (c) => c.hgetBuffer(key, field)),
      readUsers(ctx, [userId]).then((u) => u[0] ?? null),
    ]);
    // A member whose user entry is gone still answers, with a user carrying only its id.
    if (bytes) return memberCodec.decode(bytes, fieldLocator(key, userId), guildId, user ?? { id: userId } as UserEntity);
    if (attempt > 0) return null;
    // A miss may come from a stale bucket-count hint: re-read it once.
    const fresh = await readMemberBuckets(ctx, guildId);
    if (fresh === null || fresh === buckets) return null;
    buckets = fresh;
  }
}

/** Every member of one guild, bucket by bucket, joined with users one window at a time. */
export async function* iterGuildMembers(ctx: Ctx, guildId: string): AsyncGenerator<MemberEntity> {
  const buckets = await readMemberBuckets(ctx, guildId);
  if (buckets === null) return;
  for (let b = 0; b < buckets; b++) {
    const key = ctx.keys.memberBucket(guildId, b);
    for await (const window of hscanWindows(ctx, key)) {
      const userIds = window.map(([field]) => idFromBytes(field));
      const users = await readUsers(ctx, userIds);
      for (let i = 0; i < window.length; i++) {
        const user = users[i] ?? ({ id: userIds[i]! } as UserEntity);
        yield memberCodec.decode(window[i]![1], fieldLocator(key, userIds[i]!), guildId, user);
      }
    }
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
  const raw = await ctx.conn.run('HGET', (c) => c.hget(ctx.keys.guildMeta(guildId), 'mc'));
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
