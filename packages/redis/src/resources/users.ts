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

/** Read several users (null for those absent or expired), one HMGET per bucket. */
export async function readUsers(ctx: Ctx, userIds: readonly string[]): Promise<Array<UserEntity | null>> {
  const byBucket = new Map<number, number[]>();
  userIds.forEach((id, i) => {
    const b = bucketOf(id, ctx.userBuckets);
    const list = byBucket.get(b);
    if (list) list.push(i);
    else byBucket.set(b, [i]);
  });
  const out: Array<UserEntity | null> = new Array(userIds.length).fill(null);
  const now = Date.now();
  await Promise.all(
    [...byBucket].map(async ([bucket, indexes]) => {
      const key = ctx.keys.users(bucket);
      const fields = indexes.map((i) => idBytes(userIds[i]!));
      const [values, deadlines] = await Promise.all([
        ctx.conn.run('HMGET', (c) => c.hmgetBuffer(key, ...fields)),
        ctx.conn.run('ZMSCORE', (c) => c.zmscore(ctx.keys.orphans(bucket), ...fields)),
      ]);
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

/** Every cached user, bucket by bucket. */
export async function* iterUsers(ctx: Ctx): AsyncGenerator<UserEntity> {
  const now = Date.now();
  for (let b = 0; b < ctx.userBuckets; b++) {
    const key = ctx.keys.users(b);
    const due = new Set(
      (await ctx.conn.run('ZRANGEBYSCORE', (c) => c.zrangebyscoreBuffer(ctx.keys.orphans(b), '-inf', now))).map((f) => f.toString('hex')),
    );
    for await (const window of hscanWindows(ctx, key)) {
      for (const [field, value] of window) {
        if (due.has(field.toString('hex'))) continue;
        const id = idFromBytes(field);
        yield userCodec.decode(value, fieldLocator(key, id), id);
      }
    }
  }
}

/** Number of cached users (may include expired orphans not yet swept). */
export async function countUsers(ctx: Ctx): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: ctx.userBuckets }, (_, b) => ctx.conn.run('HLEN', (c) => c.hlen(ctx.keys.users(b)))),
  );
  return counts.reduce((a, n) => a + n, 0);
}

/** The bot's own user, or null. */
export async function readMe(ctx: Ctx): Promise<MeEntity | null> {
  const bytes = await ctx.conn.run('GET', (c) => c.getBuffer(ctx.keys.me));
  return bytes ? meCodec.decode(bytes, ctx.keys.me) : null;
}
