/**
 * Running `sakeUserOps` (scripts/user-ops.ts) over many user buckets.
 *
 * On a cluster every bucket is its own slot, so each gets its own call. On a
 * single node (or Sentinel) buckets are grouped: a 30k-member ingest touched
 * ~1000 buckets per batch, and the fixed cost of that many script calls was
 * the largest part of its Redis time. Groups stay bounded (buckets and
 * arguments per call) so one call never blocks Redis for long.
 */
import type { Ctx } from '../context.js';

type Arg = string | Buffer;

/** Most buckets one call handles on a single node. */
const BUCKETS_PER_CALL = 64;
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
    let keys: string[] = [];
    let argv: Arg[] = [];
    const flush = (): void => {
      if (keys.length === 0) return;
      calls.push(scripts.sakeUserOpsMany(keys.length, [...keys, ...head, ...argv]));
      keys = [];
      argv = [];
    };
    for (const [bucket, args] of work) {
      if (keys.length >= BUCKETS_PER_CALL || (keys.length > 0 && argv.length + args.length > ARGS_PER_CALL)) flush();
      keys.push(ctx.keys.users(bucket));
      argv.push(String(args.length));
      for (const a of args) argv.push(a);
    }
    flush();
  }
  const swept = await Promise.all(calls);
  return swept.reduce((a, n) => a + n, 0);
}
