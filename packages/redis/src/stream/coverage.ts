/**
 * Which batches `sakeBatch` (scripts/batch.lua) applies: on a single node, batches made only of
 * mutations it has ops for, when no old value is asked for. The rest go through the plan
 * (apply/plan.ts).
 */
import { checkMutation, fillKeyFields, type Mutation } from '@sake/abc';
import type { Ctx } from '../context.js';
import { isRecord, type Checked, type Entity } from '../apply/validate.js';

/** Whether `value` has an own property whose value is undefined (a patch a record can't carry). */
function hasUndefined(value: Entity): boolean {
  for (const k of Object.keys(value)) if (value[k] === undefined) return true;
  return false;
}

/** Whether `value` is a valid `resource` entity (what an upsert that finds nothing creates). */
function valid(resource: 'member' | 'user', value: Entity): boolean {
  try {
    checkMutation({ type: 'set', resource, value } as unknown as Mutation, -1);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the script can run a merge: a member's (an upsert whose patch, with its user, makes a
 * valid member: the script creates it from the patch when it finds none) or a user's (without a
 * ttlMs, and an upsert only when the patch makes a valid user). The script merges records as
 * bytes, so no value of the patch may be undefined.
 */
function scriptMerge(m: Extract<Checked, { type: 'merge' }>): boolean {
  if (hasUndefined(m.patch)) return false;
  if (m.resource === 'member') {
    const user = m.patch.user;
    if (!m.upsert || !isRecord(user) || hasUndefined(user)) return false;
    return valid('member', { ...fillKeyFields('member', m.key, m.patch), user: { ...user, id: (m.key as { userId: string }).userId } });
  }
  if (m.resource !== 'user' || m.ttlMs !== undefined) return false;
  return !m.upsert || valid('user', fillKeyFields('user', m.key, m.patch));
}

/** Whether the op stream has an op for `m` (scripts/batch.lua). */
export function hasOp(m: Checked): boolean {
  switch (m.type) {
    case 'set':
      return m.resource === 'message' || m.resource === 'member' || m.resource === 'presence' || m.resource === 'voiceState';
    case 'delete':
      return m.resource === 'message' || m.resource === 'member' || m.resource === 'presence' || m.resource === 'voiceState';
    case 'merge':
      return scriptMerge(m);
    default:
      return false;
  }
}

/** Whether the op stream applies this batch: a single node (the script's keys span slots), no old values asked for, an op for every mutation. */
export function streamCovers(ctx: Ctx, checked: readonly Checked[], old: readonly number[] | undefined): boolean {
  return ctx.writer.crossSlot && old === undefined && checked.length > 0 && checked.every(hasOp);
}
