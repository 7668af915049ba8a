/**
 * Which member merges of a batch run in the scripts (Plan.mergeMember:
 * guild-ops `MM` and user-ops `UM` splice the patch's record over the stored
 * one) instead of over values pre-read into Node. A script merge needs no
 * read of the member or its user, but Node then has no copy of either: a
 * user's merges all run in the scripts or none do, and none do when Node
 * needs its copy of that user or of one of its members for something else in
 * the batch.
 */
import type { Mutation } from '@sake/abc';
import { checkMutation, isRecord, type AnyKey, type Checked, type Entity } from './validate.js';

/** Whether `value` has an own property whose value is undefined (a patch a script can't carry: records have no undefined). */
export function hasUndefined(value: Entity): boolean {
  // Object.keys, not for…in: own keys only without a prototype walk (this runs for every member merge).
  for (const k of Object.keys(value)) if (value[k] === undefined) return true;
  return false;
}

/**
 * Whether a member merge's patch can create the member by itself (what the script does when it finds
 * none). It must carry the user: a created member sets its user entry (MemoryCache: the stored user
 * with the patch's merged in, `{ id }` for a new one), which only the patch's user op (`UM`) writes
 * in Redis. The listener's member patches always carry it.
 */
export function createsValidMember(m: Extract<Checked, { type: 'merge'; resource: 'member' }>): boolean {
  const user = m.patch.user;
  // With its key fields filled in (ids the key's, already checked) and a user object, such a patch
  // is a valid member: a set checks no more.
  return m.upsert && user !== undefined && !hasUndefined(m.patch) && isRecord(user) && !hasUndefined(user);
}

/** Whether `value` is a valid `resource` entity, as a set would check it (what an upsert that finds nothing creates). */
export function isValidEntity(resource: 'member' | 'user' | 'message', value: Entity): boolean {
  try {
    checkMutation({ type: 'set', resource, value } as unknown as Mutation, -1);
    return true;
  } catch {
    return false;
  }
}

/**
 * The batch indexes of the member merges that run in the scripts. A user's merges stay in Node
 * (`claimed`) when the batch merges the user itself, asks for an old value of the user or of one
 * of its members (but those in `reported`, which the scripts report), clears its memberships, has a merge of it that is not an upsert whose patch
 * alone (with its user) makes a valid member, or one between two role removals of its guild, or the batch also
 * sets or replaces the member in a guild with a role removal; and the users in `alsoClaimed`.
 */
export function scriptedMemberMerges(
  checked: readonly Checked[],
  old: readonly number[] | undefined,
  alsoClaimed?: ReadonlySet<string>,
  reported?: ReadonlySet<number>,
): ReadonlySet<number> {
  const claimed = new Set<string>(alsoClaimed);
  // Guild → batch index of its first and last role removal.
  const removals = new Map<string, [first: number, last: number]>();
  checked.forEach((m, i) => {
    if (m.type === 'removeRole') removals.set(m.guildId, [removals.get(m.guildId)?.[0] ?? i, i]);
  });
  for (const i of old ?? []) {
    // An old value the merge's own script op reports (reply-old.ts) needs no copy in Node.
    if (reported?.has(i)) continue;
    const m = checked[i]!;
    // A react has no member or user; the other types with an old value carry the entry's key.
    if ('key' in m && (m.resource === 'member' || m.resource === 'user')) claimed.add((m.key as AnyKey).userId ?? '');
  }
  for (const m of checked) {
    if (m.type === 'merge' && m.resource === 'user') claimed.add(m.key.userId);
    else if (m.type === 'clearFor' && m.scope === 'user') claimed.add(m.id);
    else if (m.type === 'merge' && m.resource === 'member' && !createsValidMember(m)) claimed.add(m.key.userId);
  }
  // A member the batch also sets (or replaces) in a guild with a role removal: Node follows what
  // it writes, to rewrite it without the role, and would rewrite it from that copy over the merges.
  for (const m of checked) {
    if (m.resource !== 'member') continue;
    if (m.type === 'set' && removals.has(m.key.guildId)) claimed.add(m.key.userId);
    else if (m.type === 'replaceForGuild' && removals.has(m.guildId)) for (const v of m.values) claimed.add(v.key.userId);
  }
  // A merge between two role removals of its guild: the script strips the roles removed before
  // it, and the strip script would then pass over the member for those removed after it too.
  checked.forEach((m, i) => {
    if (m.type !== 'merge' || m.resource !== 'member') return;
    const span = removals.get(m.key.guildId);
    if (span !== undefined && span[0] < i && i < span[1]) claimed.add(m.key.userId);
  });
  const scripted = new Set<number>();
  checked.forEach((m, i) => {
    if (m.type === 'merge' && m.resource === 'member' && !claimed.has(m.key.userId)) scripted.add(i);
  });
  return scripted;
}

/**
 * Thrown (before anything is written) when a role removal's pre-read found members it must rewrite
 * in Node whose users have script merges in the batch: the batch is planned again with those
 * users' merges in Node.
 */
export class Reclaim extends Error {
  constructor(readonly users: ReadonlySet<string>) {
    super(`the batch is planned again with ${users.size} users' merges in Node`);
  }
}

/**
 * Plan again ({@link Reclaim}) when a removeRole's pre-read found holders (members Node rewrites
 * itself: their roles are not where the strip script edits them) whose users have script merges:
 * Node's rewrite is from the value read before the batch, and would undo those merges.
 */
export function reclaimHolders(checked: readonly Checked[], inScript: ReadonlySet<number>, holderUsers: readonly string[]): void {
  if (inScript.size === 0 || holderUsers.length === 0) return;
  const holders = new Set(holderUsers);
  const users = new Set<string>();
  for (const i of inScript) {
    const m = checked[i]!;
    if (m.type === 'merge' && m.resource === 'member' && holders.has(m.key.userId)) users.add(m.key.userId);
  }
  if (users.size > 0) throw new Reclaim(users);
}
