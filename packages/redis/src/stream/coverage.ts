/**
 * Which mutations the op stream (`sakeBatch`, scripts/batch.lua) has ops for. A batch's others go
 * through the plan (apply/plan.ts), in segments (segments.ts); so does every batch on a cluster
 * (the script's keys span slots) and every batch that asks for old values.
 */
import { fillKeyFields, isSnowflake } from '@sake/abc';
import { createsValidMember, hasUndefined, isValidEntity } from '../apply/script-merges.js';
import type { Checked } from '../apply/validate.js';
import { isGuildStructure } from './encode-guilds.js';

/** A non-negative integer the script reads as one (reactions.lua: below 2^32). */
function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 32;
}

/** A plain object (not an array), as the codec writes it as a msgpack map. */
function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether a message's `reactions` are ones the script can change (scripts/includes/reactions.lua's
 * rule): absent, null, or reactions whose emoji key, counts and flags have their usual types. A
 * message set or merge writing others goes through the plan, so a react the stream runs later
 * meets only these (the script checks stored records itself).
 */
export function wellFormedReactions(reactions: unknown): boolean {
  if (reactions === undefined || reactions === null) return true;
  if (!Array.isArray(reactions)) return false;
  // By index, not every(): a sparse array's holes (which every() skips) are not reactions.
  for (let i = 0; i < reactions.length; i++) if (!wellFormedReaction(reactions[i])) return false;
  return true;
}

/** One reaction of {@link wellFormedReactions}. */
function wellFormedReaction(r: unknown): boolean {
  if (!isMap(r) || !isMap(r.emoji) || !isMap(r.count_details)) return false;
  const { id, name } = r.emoji;
  if (typeof id !== 'string' && !(name === undefined || name === null || typeof name === 'string')) return false;
  return (
    isCount(r.count) &&
    isCount(r.count_details.burst) &&
    isCount(r.count_details.normal) &&
    typeof r.me === 'boolean' &&
    typeof r.me_burst === 'boolean' &&
    'burst_colors' in r
  );
}

/**
 * Whether the script can run a merge: a member's (an upsert whose patch, with its user, makes a
 * valid member: the script creates it from the patch when it finds none), a message's (an upsert
 * only when the patch makes a valid message) or a user's (without a ttlMs, and an upsert only when
 * the patch makes a valid user), a guild's, or a channel's, role's or emoji's that is no upsert and
 * sets no guild_id. The script merges records as bytes, so no value of the patch may be undefined.
 */
function scriptMerge(m: Extract<Checked, { type: 'merge' }>): boolean {
  if (m.resource === 'member') return createsValidMember(m);
  if (hasUndefined(m.patch)) return false;
  // A guild needs only its id (the key's) to be valid; a channel, role or emoji also its guild,
  // which a merge the script runs neither sets (a patch's guild_id moves it) nor creates it without.
  if (m.resource === 'guild') return true;
  if (m.resource === 'channel' || m.resource === 'role' || m.resource === 'emoji') return !m.upsert && !('guild_id' in m.patch);
  if (m.resource === 'message') {
    if (!wellFormedReactions(m.patch.reactions)) return false;
    return !m.upsert || isValidEntity('message', fillKeyFields('message', m.key, m.patch));
  }
  if (m.resource !== 'user' || m.ttlMs !== undefined) return false;
  return !m.upsert || isValidEntity('user', fillKeyFields('user', m.key, m.patch));
}

/**
 * Most member sets a batch may have for the stream to take part in it, unless they are under half
 * of it: a batch of more that are most of it (a member chunk's thousand) goes through the plan
 * whole (segments.ts), whose packed runs (one HSET per bucket, users packed per bucket) ingest
 * ~25 % faster than an op per member. A busy stream's group commit (thousands of events, a few
 * member joins among them) stays with the stream: the plan would replay all of it in Node.
 */
export const STREAM_MEMBER_SETS = 64;

/**
 * Most members a guild may have for the stream to remove a role from them (scripts/includes/
 * batch-roles.lua): one call goes through them all, twice (~2–3 ms per thousand on a 2-core VM);
 * a larger guild's removal goes through the plan, whose strips run a thousand members per call.
 */
export const STREAM_STRIP_MEMBERS = 2048;

/** What about a whole batch decides which of its mutations the stream takes ({@link hasOp}). */
export interface StreamTraits {
  /** More than {@link STREAM_MEMBER_SETS} member sets, half the batch or more: it goes through the plan whole. */
  readonly bulkMembers: boolean;
  /**
   * Every member value or patch's roles are absent, null or snowflakes: the records the stream
   * writes have their roles in place, where a role removal the stream runs finds them.
   */
  readonly plainRoles: boolean;
  /**
   * Guilds whose members the batch replaces (a GUILD_CREATE): such a batch, like one with bulk
   * member sets, goes through the plan whole (segments.ts), which writes members in packed runs
   * and sizes the member buckets by the guild set's `member_count`.
   */
  readonly membersReplaced: ReadonlySet<string>;
  /** Guilds whose role removals go through the plan (Ctx.largeGuilds). */
  readonly largeGuilds: ReadonlySet<string>;
}

/** Whether `roles` (a member's) leave the record's roles in place: absent, null, or snowflakes (by index: holes are not). */
function plainRoles(roles: unknown): boolean {
  if (roles === undefined || roles === null) return true;
  if (!Array.isArray(roles)) return false;
  for (let i = 0; i < roles.length; i++) if (!isSnowflake(roles[i])) return false;
  return true;
}

/** The {@link StreamTraits} of a batch; `largeGuilds` as Ctx.largeGuilds. */
export function streamTraits(checked: readonly Checked[], largeGuilds: ReadonlySet<string> = new Set()): StreamTraits {
  let sets = 0;
  let plain = true;
  const replaced = new Set<string>();
  for (const m of checked) {
    if (m.resource !== 'member') continue;
    if (m.type === 'replaceForGuild') replaced.add(m.guildId);
    if (m.type === 'set') {
      sets++;
      plain &&= plainRoles(m.value.roles);
    } else if (m.type === 'merge') plain &&= plainRoles(m.patch.roles);
    else if (m.type === 'replaceForGuild') for (const v of m.values) plain &&= plainRoles(v.value.roles);
  }
  return { bulkMembers: sets > STREAM_MEMBER_SETS && sets * 2 >= checked.length, plainRoles: plain, membersReplaced: replaced, largeGuilds };
}

/** Traits of a batch with nothing unusual. */
const USUAL: StreamTraits = { bulkMembers: false, plainRoles: true, membersReplaced: new Set(), largeGuilds: new Set() };

/** Whether the op stream has an op for `m` (scripts/batch.lua), in a batch of `traits`. */
export function hasOp(m: Checked, traits: StreamTraits = USUAL): boolean {
  switch (m.type) {
    case 'set':
      // (A `reactions` key holding undefined is stored in the record's extension map, which the script does not read.)
      if (m.resource === 'message') return wellFormedReactions(m.value.reactions) && !('reactions' in m.value && m.value.reactions === undefined);
      if (m.resource === 'member') return true;
      return m.resource === 'presence' || m.resource === 'voiceState' || m.resource === 'invite' || isGuildStructure(m.resource);
    case 'delete':
      return m.resource !== 'user' && m.resource !== 'me';
    case 'merge':
      return scriptMerge(m);
    case 'react':
      return true;
    case 'removeRole':
      return traits.plainRoles && !traits.largeGuilds.has(m.guildId);
    case 'replaceForGuild':
      return m.resource === 'role' || m.resource === 'emoji';
    case 'clearFor':
      // A channel delete's cascade (apply/cascade.ts expandChannelDeletes).
      return (m.resource === 'message' || m.resource === 'voiceState' || m.resource === 'invite') && m.scope === 'channel';
    default:
      return false;
  }
}
