/** Reading split values (codec/split.ts): heads from a bucket, tails only for the marked ones. */
import { isSplit, joinRecord } from '../codec/split.js';
import type { Ctx } from '../context.js';

/**
 * Whole records for `heads` read from a bucket whose tail hash is `tailKey`
 * (`fields[i]` is the field of `heads[i]`; `where(i)` names the entry for
 * errors). One HMGET for the split ones, none when nothing is split.
 */
export async function joinTails(
  ctx: Ctx,
  tailKey: string,
  fields: readonly Buffer[],
  heads: ReadonlyArray<Buffer | null>,
  where: (i: number) => string,
): Promise<Array<Uint8Array | null>> {
  const split: number[] = [];
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i];
    if (h && isSplit(h)) split.push(i);
  }
  if (split.length === 0) return heads as Array<Uint8Array | null>;
  const tails = await ctx.conn.run(
    'HMGET',
    () => ctx.conn.reads.call<Array<Buffer | null>>('hmgetBuffer', [tailKey, ...split.map((i) => fields[i]!)]),
    tailKey,
  );
  const out: Array<Uint8Array | null> = heads.slice();
  split.forEach((i, j) => (out[i] = joinRecord(heads[i]!, tails[j], where(i))));
  return out;
}
