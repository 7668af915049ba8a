/**
 * Reading members: records in per-guild bucket hashes (`{g:<id>}:m:<n>`, user
 * id → member record), joined with the user records on read. The reads whose
 * commands depend on the topology are `ctx.reader`'s (readers/).
 */
import { EntryNotFound, type MemberEntity, type UserEntity } from '@sake/abc';
import type { Ctx } from '../context.js';
import { hscanWindows, sscanWindows } from '../scan.js';
import { guildsOfUser } from './children.js';

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

/**
 * The cached member (joined with its user), or null. A miss may come from a stale bucket-count
 * hint: the count is re-read once, and the member read again if it changed.
 */
export async function readMember(ctx: Ctx, guildId: string, userId: string): Promise<MemberEntity | null> {
  let buckets = ctx.memberBucketHint.get(guildId) ?? (await readMemberBuckets(ctx, guildId));
  if (buckets === null) return null;
  for (let attempt = 0; ; attempt++) {
    const found = await ctx.reader.memberAt(ctx, guildId, userId, buckets);
    if (found || attempt > 0) return found;
    const fresh = await readMemberBuckets(ctx, guildId);
    if (fresh === null || fresh === buckets) return null;
    buckets = fresh;
  }
}

/** {@link readMember}, or `EntryNotFound` naming the member. */
export function readMemberOrFail(ctx: Ctx, guildId: string, userId: string): Promise<MemberEntity> {
  return readMember(ctx, guildId, userId).then((found) => {
    if (found === null) throw notCached(guildId, userId);
    return found;
  });
}

/** The error of a member that is not cached (its message built only then). */
export function notCached(guildId: string, userId: string): EntryNotFound {
  return new EntryNotFound(`member ${userId} of guild ${guildId} is not cached`);
}

/** After a miss with `buckets` as the bucket count: re-read the count and, if it changed, read again. */
export async function readMemberAfterMiss(ctx: Ctx, guildId: string, userId: string, buckets: number): Promise<MemberEntity | null> {
  const fresh = await readMemberBuckets(ctx, guildId);
  if (fresh === null || fresh === buckets) return null;
  return readMember(ctx, guildId, userId);
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
 * Every member of one guild, a window of buckets at a time, joined with users;
 * the next window is fetched while the current one is consumed (memory stays
 * bounded: two windows). Yields whole windows (see window-iterator.ts).
 */
export async function* guildMemberWindows(ctx: Ctx, guildId: string): AsyncGenerator<MemberEntity[]> {
  const buckets = await readMemberBuckets(ctx, guildId);
  if (buckets === null) return;
  const windowAt = (from: number): Promise<MemberEntity[]> => ctx.reader.memberWindow(ctx, guildId, from, Math.min(buckets, from + BUCKETS_PER_WINDOW));
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
