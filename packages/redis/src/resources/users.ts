/**
 * Reading users: records in bucket hashes (`{u:<n>}:u`, user id → record).
 * A user whose orphan deadline has passed counts as gone even before the
 * sweep deletes it.
 */
import type { MeEntity, UserEntity } from '@sake/abc';
import { idBytes, idFromBytes, meCodec, userCodec } from '../codec/index.js';
import { fieldLocator, type Ctx } from '../context.js';
import { bucketOf } from '../keys.js';
import { hscanWindows } from '../scan.js';
import { joinTails } from './tails.js';

/** Read several users (null for those absent or expired), one HMGET per bucket. */
export async function readUsers(ctx: Ctx, userIds: readonly string[]): Promise<Array<UserEntity | null>> {
  const byBucket = new Map<number, number[]>();
  userIds.forEach((id, i) => {
    const b = bucketOf(id, ctx.userBuckets);
    const list = byBucket.get(b);
    if (list) list.push(i);
    else byBucket.set(b, [i]);
  });
  const out = new Array<UserEntity | null>(userIds.length).fill(null);
  const now = Date.now();
  await Promise.all(
    [...byBucket].map(async ([bucket, indexes]) => {
      const key = ctx.keys.users(bucket);
      const fields = indexes.map((i) => idBytes(userIds[i]!));
      const [heads, deadlines] = await Promise.all([
        ctx.conn.run('HMGET', (c) => c.hmgetBuffer(key, ...fields), key),
        ctx.conn.run('ZMSCORE', (c) => c.zmscore(ctx.keys.orphans(bucket), ...fields), ctx.keys.orphans(bucket)),
      ]);
      const values = await joinTails(ctx, ctx.keys.userTails(bucket), fields, heads, (j) => fieldLocator(key, userIds[indexes[j]!]!));
      indexes.forEach((idx, j) => {
        const bytes = values[j];
        const deadline = deadlines[j];
        if (!bytes || (deadline !== null && deadline !== undefined && Number(deadline) <= now)) return;
        out[idx] = userCodec.decode(bytes, fieldLocator(key, userIds[idx]!), userIds[idx]!);
      });
    }),
  );
  return out;
}

/**
 * The users joined to members, read as the topology allows (`TopologyReader.memberUsers`), with no
 * orphan-deadline check (a member refers to its user, so that user is never a due orphan; this
 * keeps a member read to one round trip).
 */
export function readMemberUsers(ctx: Ctx, userIds: readonly string[]): Promise<Array<UserEntity | null>> {
  return ctx.reader.memberUsers(ctx, userIds);
}

/** The user joined to one member (see {@link readMemberUsers}), or null. */
export async function readMemberUser(ctx: Ctx, userId: string): Promise<UserEntity | null> {
  const bucket = bucketOf(userId, ctx.userBuckets);
  const key = ctx.keys.users(bucket);
  const field = idBytes(userId);
  const head = await ctx.conn.run('HGET', () => ctx.conn.reads.call<Buffer | null>('hgetBuffer', [key, field]), key);
  if (!head) return null;
  const where = fieldLocator(key, userId);
  const [bytes] = await joinTails(ctx, ctx.keys.userTails(bucket), [field], [head], () => where);
  return userCodec.decode(bytes!, where, userId);
}

/** Every cached user, bucket by bucket. */
export async function* iterUsers(ctx: Ctx): AsyncGenerator<UserEntity> {
  const now = Date.now();
  for (let b = 0; b < ctx.userBuckets; b++) {
    const key = ctx.keys.users(b);
    const due = new Set(
      (await ctx.conn.run('ZRANGEBYSCORE', (c) => c.zrangebyscoreBuffer(ctx.keys.orphans(b), '-inf', now), ctx.keys.orphans(b))).map((f) => f.toString('hex')),
    );
    for await (const window of hscanWindows(ctx, key)) {
      const live = window.filter(([field]) => !due.has(field.toString('hex')));
      const ids = live.map(([field]) => idFromBytes(field));
      const values = await joinTails(
        ctx,
        ctx.keys.userTails(b),
        live.map(([f]) => f),
        live.map(([, v]) => v),
        (i) => fieldLocator(key, ids[i]!),
      );
      for (let i = 0; i < live.length; i++) yield userCodec.decode(values[i]!, fieldLocator(key, ids[i]!), ids[i]!);
    }
  }
}

/**
 * Number of cached users: per bucket, its users less those whose orphan deadline has passed (reads
 * already treat them as gone, and `len()` must agree with iteration, which skips them too).
 */
export async function countUsers(ctx: Ctx): Promise<number> {
  const now = Date.now();
  const counts = await Promise.all(
    Array.from({ length: ctx.userBuckets }, async (_, b) => {
      const [users, due] = await Promise.all([
        ctx.conn.run('HLEN', (c) => c.hlen(ctx.keys.users(b)), ctx.keys.users(b)),
        ctx.conn.run('ZCOUNT', (c) => c.zcount(ctx.keys.orphans(b), '-inf', now), ctx.keys.orphans(b)),
      ]);
      // A due orphan is always a user of its bucket (its delete drops the deadline too): never below 0.
      return Math.max(0, users - due);
    }),
  );
  return counts.reduce((a, n) => a + n, 0);
}

/** The bot's own user, or null. */
export async function readMe(ctx: Ctx): Promise<MeEntity | null> {
  const bytes = await ctx.conn.run('GET', (c) => c.getBuffer(ctx.keys.me), ctx.keys.me);
  return bytes ? meCodec.decode(bytes, ctx.keys.me) : null;
}
