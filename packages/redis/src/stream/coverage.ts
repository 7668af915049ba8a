/**
 * Which batches `sakeBatch` (scripts/batch.lua) applies: on a single node, batches made only of
 * mutations it has ops for, when no old value is asked for. The rest go through the plan
 * (apply/plan.ts).
 */
import type { Ctx } from '../context.js';
import { scriptedMemberMerges } from '../apply/script-merges.js';
import type { Checked } from '../apply/validate.js';

/** Whether the op stream has an op for `m` by itself (member merges: see {@link streamCovers}). */
function hasOp(m: Checked): boolean {
  return (m.type === 'set' && m.resource === 'message') || (m.type === 'merge' && m.resource === 'member');
}

/**
 * Whether the op stream applies this batch: a single node (the script's keys span slots), no old
 * values asked for, every mutation one it has an op for, and every member merge one the scripts
 * can run (an upsert whose patch, with its user, makes a valid member: apply/script-merges.ts).
 */
export function streamCovers(ctx: Ctx, checked: readonly Checked[], old: readonly number[] | undefined): boolean {
  if (!ctx.writer.crossSlot || old !== undefined || checked.length === 0) return false;
  let merges = 0;
  for (const m of checked) {
    if (!hasOp(m)) return false;
    if (m.type === 'merge') merges++;
  }
  return merges === 0 || scriptedMemberMerges(checked, undefined).size === merges;
}
