/**
 * Running `sakeUserOps` (scripts/user-ops.lua) over many user buckets.
 *
 * On a cluster every bucket is its own slot, so each gets its own call. On a
 * single node (or Sentinel) buckets are grouped: a 30k-member ingest touched
 * ~1000 buckets per batch, and the fixed cost of that many script calls was
 * the largest part of its Redis time. Groups stay bounded (buckets and
 * arguments per call) so one call never blocks Redis for long.
 */
import type { Ctx } from '../context.js';

type Arg = string | Buffer;

/**
 * Most buckets one call handles on a single node. 16, not 64: in a startup burst (400 guilds of 300
 * members) the longest calls were ~20 ms with 64 and ~10 ms with 16, at the same Redis CPU per
 * member (`node bench/dist/long-calls.js --guilds 400 --members 300`).
 */
const BUCKETS_PER_CALL = 16;
/** Most arguments one call carries (a bucket is never split across calls). */
const ARGS_PER_CALL = 20_000;

/** Run each bucket's script arguments (`[bucket, args]`), as few calls as allowed; resolves with the total swept. */
export async function runUserScripts(ctx: Ctx, work: ReadonlyArray<readonly [bucket: number, args: readonly Arg[]]>, now: number): Promise<number> {
  const head = [String(now), String(ctx.userTtlMs)];
  const scripts = ctx.conn.batched;
  const calls: Array<Promise<number>> = [];
  if (ctx.conn.isCluster) {
    for (const [bucket, args] of work) calls.push(scripts.sakeUserOps(ctx.keys.users(bucket), [...head, String(args.length), ...args]));
  } else {
    // One argument array per call, built in place (keys, now/TTL, then each bucket's count and
    // arguments): no intermediate arrays to copy (they were a visible share of an ingest's garbage).
    let start = 0;
    while (start < work.length) {
      let end = start;
      let argc = 0;
      while (end < work.length && end - start < BUCKETS_PER_CALL && (end === start || argc + 1 + work[end]![1].length <= ARGS_PER_CALL)) {
        argc += 1 + work[end]![1].length;
        end++;
      }
      const out: Arg[] = [];
      for (let k = start; k < end; k++) out.push(ctx.keys.users(work[k]![0]));
      out.push(head[0]!, head[1]!);
      for (let k = start; k < end; k++) {
        const args = work[k]![1];
        out.push(String(args.length));
        for (let i = 0; i < args.length; i++) out.push(args[i]!);
      }
      calls.push(scripts.sakeUserOpsMany(end - start, out));
      start = end;
    }
  }
  const swept = await Promise.all(calls);
  return swept.reduce((a, n) => a + n, 0);
}
