/**
 * The topology writer of a Redis Cluster: a command never writes keys of two slots, so every user
 * bucket gets its own `sakeUserOps` call, every value key its own `SET`/`UNLINK`, and every index
 * group its own `sakeIndexAdd` (adds) or `ZREM` and prune (removals); ioredis auto-pipelines them per
 * node. A limited channel's evicted messages are deleted by the caller after the batch's writes.
 */
import type { Arg, Command, Ctx, Eviction, IndexGroup, TopologyWriter, ValueWrite, WriteQueue } from '../context.js';

/** One call per user bucket (a bucket is a slot). */
async function userOps(ctx: Ctx, work: ReadonlyArray<readonly [bucket: number, args: readonly Arg[]]>, now: number): Promise<number> {
  const head = [String(now), String(ctx.userTtlMs)];
  const swept = await Promise.all(work.map(([bucket, args]) => ctx.conn.batched.sakeUserOps(ctx.keys.users(bucket), [...head, String(args.length), ...args])));
  return swept.reduce((a, n) => a + n, 0);
}

/** A value write as a command of its own. */
function valueCommand(write: ValueWrite): Command {
  return (ctx) => {
    const client = ctx.conn.batched;
    const { op, key, bytes, at } = write;
    if (op === 'D') return client.unlink(key);
    if (op === 'W') return at === undefined ? client.set(key, bytes!) : client.set(key, bytes!, 'PXAT', at);
    const previous = at === undefined ? client.setBuffer(key, bytes!, 'GET') : client.setBuffer(key, bytes!, 'PXAT', at, 'GET');
    write.replaced?.(previous);
    return previous;
  };
}

/** An index group as a command of its own; an add group under a limit reports what it evicted. */
function indexCommand(group: IndexGroup, now: string, evictions: Eviction[]): Command {
  return (ctx) => {
    const batched = ctx.conn.batched;
    if (group.op === 'R') return Promise.all([batched.zrem(group.key, ...group.args), batched.zremrangebyscore(group.key, '-inf', now)]);
    const evicted = batched.sakeIndexAdd(group.key, [now, String(group.limit ?? 0), ...group.args]);
    if (group.limit !== undefined) evictions.push({ index: group.key, evicted });
    return evicted;
  };
}

/** The cluster writer (see the module comment). */
export const clusterWriter: TopologyWriter = {
  crossSlot: false,
  userOps,
  values: (_ctx, wave1): WriteQueue<ValueWrite> => ({ push: (write) => wave1.push(valueCommand(write)), close: () => {} }),
  indexes: (_ctx, wave1, now, evictions): WriteQueue<IndexGroup> => ({ push: (group) => wave1.push(indexCommand(group, now, evictions)), close: () => {} }),
};
