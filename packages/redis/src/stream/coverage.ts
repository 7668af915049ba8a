/**
 * Which mutations the op stream (`sakeBatch`, scripts/batch.lua) has ops for. A batch's others go
 * through the plan (apply/plan.ts), in segments (segments.ts); so does every batch on a cluster
 * (the script's keys span slots) and every batch that asks for old values.
 */
import { fillKeyFields } from '@sake/abc';
import { createsValidMember, hasUndefined, isValidEntity } from '../apply/script-merges.js';
import type { Checked } from '../apply/validate.js';

/**
 * Whether the script can run a merge: a member's (an upsert whose patch, with its user, makes a
 * valid member: the script creates it from the patch when it finds none), a message's (an upsert
 * only when the patch makes a valid message) or a user's (without a ttlMs, and an upsert only when
 * the patch makes a valid user). The script merges records as
 * bytes, so no value of the patch may be undefined.
 */
function scriptMerge(m: Extract<Checked, { type: 'merge' }>): boolean {
  if (m.resource === 'member') return createsValidMember(m);
  if (hasUndefined(m.patch)) return false;
  if (m.resource === 'message') return !m.upsert || isValidEntity('message', fillKeyFields('message', m.key, m.patch));
  if (m.resource !== 'user' || m.ttlMs !== undefined) return false;
  return !m.upsert || isValidEntity('user', fillKeyFields('user', m.key, m.patch));
}

/** Whether the op stream has an op for `m` (scripts/batch.lua). */
export function hasOp(m: Checked): boolean {
  switch (m.type) {
    case 'set':
      // Not member sets: member chunks write thousands at once, and the plan's packed runs (one
      // HSET per bucket, users packed per bucket) ingest ~25 % faster than the op stream's op per member.
      return m.resource === 'message' || m.resource === 'presence' || m.resource === 'voiceState';
    case 'delete':
      return m.resource === 'message' || m.resource === 'member' || m.resource === 'presence' || m.resource === 'voiceState';
    case 'merge':
      return scriptMerge(m);
    default:
      return false;
  }
}
