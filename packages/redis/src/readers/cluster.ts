/**
 * The topology reader of a Redis Cluster: keys of different slots are never
 * read by one command, so every read is per-slot commands (GET, HGET, HMGET,
 * HSCAN), which ioredis auto-pipelines per node. Also the fallback of the
 * single-node reader when a script meets a foreign value (these commands name
 * the key in their error).
 */
import type { MemberEntity, UserEntity } from '@sake/abc';
import { idBytes, idFromBytes, memberCodec, userCodec } from '../codec/index.js';
import { UnknownIndex } from '../codec/dictionary.js';
import { fieldLocator, type Ctx, type TopologyReader } from '../context.js';
import { bucketOf } from '../keys.js';
import { locate } from '../resources/children.js';
import { liveIds } from '../resources/expiring.js';
import { bucketEntries, readMemberOrFail } from '../resources/members.js';
import { decodeWithRoles } from '../resources/roles.js';
import { joinTails } from '../resources/tails.js';
import { readMemberUser } from '../resources/users.js';

/** One member: its head and its user's in the same tick (auto-pipelining sends them in one round trip), then tails. */
async function memberAt(ctx: Ctx, guildId: string, userId: string, buckets: number): Promise<MemberEntity | null> {
  const key = ctx.keys.memberBucket(guildId, bucketOf(userId, buckets));
  const field = idBytes(userId);
  const [head, user] = await Promise.all([
    ctx.conn.run('HGET', () => ctx.conn.reads.call<Buffer | null>('hgetBuffer', [key, field]), key),
    readMemberUser(ctx, userId),
  ]);
  if (!head) return null;
  const where = fieldLocator(key, userId);
  const [bytes] = await joinTails(ctx, ctx.keys.memberTails(guildId, bucketOf(userId, buckets)), [field], [head], () => where);
  // A member whose user entry is gone still answers, with a user carrying only its id.
  return decodeWithRoles(
    ctx.roles,
    guildId,
    () => where,
    (roles) => memberCodec.decode(bytes!, where, guildId, user ?? ({ id: userId } as UserEntity), roles),
  );
}

/** Users joined to members: one HMGET per user bucket (a bucket is a slot), then the tails of the split ones. */
async function memberUsers(ctx: Ctx, userIds: readonly string[]): Promise<Array<UserEntity | null>> {
  const byBucket = new Map<number, number[]>();
  for (let i = 0; i < userIds.length; i++) {
    const b = bucketOf(userIds[i]!, ctx.userBuckets);
    const list = byBucket.get(b);
    if (list) list.push(i);
    else byBucket.set(b, [i]);
  }
  const out: Array<UserEntity | null> = new Array<UserEntity | null>(userIds.length).fill(null);
  await ctx.conn.run('HMGET', () =>
    Promise.all(
      Array.from(byBucket, async ([bucket, indexes]) => {
        const key = ctx.keys.users(bucket);
        const fields = indexes.map((i) => idBytes(userIds[i]!));
        const heads = await ctx.conn.reads.call<Array<Buffer | null>>('hmgetBuffer', [key, ...fields]);
        const values = await joinTails(ctx, ctx.keys.userTails(bucket), fields, heads, (j) => fieldLocator(key, userIds[indexes[j]!]!));
        for (let j = 0; j < indexes.length; j++) {
          const bytes = values[j];
          const idx = indexes[j]!;
          if (bytes) out[idx] = userCodec.decode(bytes, fieldLocator(key, userIds[idx]!), userIds[idx]!);
        }
      }),
    ),
  );
  return out;
}

/** One window of members: several buckets fetched together, then their users in one pipelined join. */
export async function memberWindowPerSlot(ctx: Ctx, guildId: string, from: number, to: number): Promise<MemberEntity[]> {
  const keys: string[] = [];
  for (let b = from; b < to; b++) keys.push(ctx.keys.memberBucket(guildId, b));
  const buckets = await Promise.all(
    keys.map(async (key, k) => {
      const entries = await bucketEntries(ctx, key);
      const ids = entries.map(([field]) => idFromBytes(field));
      const values = await joinTails(
        ctx,
        ctx.keys.memberTails(guildId, from + k),
        entries.map(([f]) => f),
        entries.map(([, v]) => v),
        (i) => fieldLocator(key, ids[i]!),
      );
      return { key, ids, values };
    }),
  );
  const userIds: string[] = [];
  for (const { ids } of buckets) for (const id of ids) userIds.push(id);
  const users = await ctx.reader.memberUsers(ctx, userIds);
  return decodeWithRoles(
    ctx.roles,
    guildId,
    () => keys[0]!,
    (roles) => {
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
    },
  );
}

/** String values one GET each (each key may be in another slot). */
export function valuesPerKey(ctx: Ctx, keys: readonly string[]): Promise<Array<Buffer | null>> {
  return Promise.all(keys.map((key) => ctx.conn.run('GET', (c) => c.getBuffer(key), key)));
}

/** Expiring string values and their PTTL, a GET and a PTTL per key (each key may be in another slot). */
export function expiringPerKey(ctx: Ctx, keys: readonly string[]): Promise<Array<readonly [Buffer | null, number]>> {
  return Promise.all(
    keys.map((key) =>
      Promise.all([ctx.conn.run('GET', (c) => c.getBuffer(key), key), ctx.conn.run('PTTL', (c) => c.pttl(key), key)]).then(
        ([bytes, pttl]): readonly [Buffer | null, number] => [bytes, bytes ? pttl : -2],
      ),
    ),
  );
}

/** The live ids of expiring indexes, a ZRANGEBYSCORE each (each index may be in another slot). */
export function liveIdsPerKey(ctx: Ctx, indexKeys: readonly string[]): Promise<string[][]> {
  return Promise.all(indexKeys.map((key) => liveIds(ctx, key)));
}

/** A channel, role or emoji: its locator entry, then its guild's hash (two round trips: the keys are in different slots). */
export async function locatedInTwoSteps(ctx: Ctx, resource: 'channel' | 'role' | 'emoji', id: string): Promise<readonly [string, Buffer | null] | null> {
  const guildId = await locate(ctx, resource, id);
  if (guildId === null) return null;
  const key = ctx.keys.guildChild(guildId, resource);
  return [guildId, await ctx.conn.run('HGET', (c) => c.hgetBuffer(key, idBytes(id)), key)];
}

/** The cluster's {@link TopologyReader}. */
export const clusterReader: TopologyReader = {
  getMember: readMemberOrFail,
  memberAt,
  memberUsers,
  memberWindow: memberWindowPerSlot,
  values: valuesPerKey,
  expiring: expiringPerKey,
  liveIds: liveIdsPerKey,
  located: locatedInTwoSteps,
};
