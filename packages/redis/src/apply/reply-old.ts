/**
 * Old values the guild script reports instead of a pre-read, for confirmed batches the plan applies
 * (on a single node, a batch the op stream takes whole has them reported by `sakeBatch`:
 * stream/previous.ts). A confirmed batch asks for the entries
 * its mutations replace; for a set or delete of a guild record, a presence or a voice state, and on
 * a single node for a member merge or delete, the `sakeGuildOps` op itself answers what it replaces
 * (`Go`, `go`, `So`, `Do`, `MMo`, `mo`), in batch order, so the batch is not read first: a confirmed
 * presence, guild or member update costs the round trip of its write.
 *
 * Only where the script's order is the batch's: not for an entry the batch follows anyway (a merge
 * of it, a scoped clear, a role strip: the simulation knows it), and not in a batch that can cascade
 * from a channel removal (the cascade runs after the guild ops, and a mutation after it must see
 * it). A member's old value joins its user as the guild script reads it, before the batch's user
 * ops: so only for a member merge that runs in the script (script-merges.ts) or a member delete,
 * and only when no earlier mutation of the batch can have changed the member or its user. Channels, roles and
 * emojis are left out: a set may move one from another guild's hash, which this guild's call does
 * not see.
 */
import { copyEntity, type ResourceName } from '@sake/abc';
import { guildCodec, idBytes } from '../codec/index.js';
import { fieldLocator, type Ctx } from '../context.js';
import { decodePackedMember, packPieces } from '../readers/packed-member.js';
import { decodeChild } from '../resources/children.js';
import type { OldSink } from './guild-ops.js';
import type { AnyKey, Checked } from './validate.js';

type SetOrDelete = Extract<Checked, { type: 'set' | 'delete' }>;

/** Resources whose old value a guild op can report from a set or a delete. */
const REPORTED: ReadonlySet<ResourceName> = new Set(['guild', 'presence', 'voiceState']);

/** Whether mutation `m` is of a kind whose old value its guild op can report (the batch-level conditions aside; members: {@link memberCandidates}). */
export function reportable(m: Checked): m is SetOrDelete {
  return (m.type === 'set' || m.type === 'delete') && REPORTED.has(m.resource);
}

/** Whether the batch may cascade from a channel removal (see the module comment). */
export function mayCascade(checked: readonly Checked[]): boolean {
  return checked.some((m) => m.resource === 'channel' && (m.type === 'delete' || m.type === 'replaceForGuild' || m.type === 'clearFor'));
}

/** What {@link touchedUser} answers for a mutation that may change any user. */
const ANY = Symbol('any user');

/** The user `m` may change, itself or through one of its members: its id, {@link ANY} (conservatively: any message write, clear or role removal), or undefined for none. */
function touchedUser(m: Checked): string | typeof ANY | undefined {
  switch (m.resource) {
    case 'user':
      return 'key' in m ? m.key.userId : ANY;
    case 'me':
      return ANY;
    case 'member':
      return m.type === 'replaceForGuild' || m.type === 'removeRole' || m.type === 'clearFor' ? ANY : m.key.userId;
    case 'presence':
    case 'voiceState':
      // A delete writes no user; a set or merge may (a presence's user partial).
      if (m.type === 'delete') return undefined;
      return 'key' in m ? m.key.userId : ANY;
    case 'message':
      return m.type === 'set' || m.type === 'merge' || m.type === 'clearFor' ? ANY : undefined;
    default:
      return m.type === 'clearFor' ? ANY : undefined;
  }
}

/**
 * On a single node, the batch indexes of member merges and deletes whose old value the guild op may
 * report: asked for, in a batch with no channel cascade, clear or role removal, and with no earlier
 * mutation that may change the member or its user (one pass over the batch). A merge among them
 * reports only if it also runs in the script (a later mutation of its user may keep it in Node).
 */
export function memberCandidates(ctx: Ctx, checked: readonly Checked[], oldAt: ReadonlyMap<number, unknown> | undefined): ReadonlySet<number> {
  const out = new Set<number>();
  if (oldAt === undefined || !ctx.writer.crossSlot || mayCascade(checked)) return out;
  // A clear or a role removal makes the replay follow members and users (pre-read.ts).
  if (checked.some((m) => m.type === 'clearFor' || m.type === 'removeRole')) return out;
  const touched = new Set<string>();
  for (let i = 0; i < checked.length; i++) {
    const m = checked[i]!;
    if (oldAt.has(i) && m.resource === 'member' && (m.type === 'merge' || m.type === 'delete') && !touched.has(m.key.userId)) out.add(i);
    const user = touchedUser(m);
    if (user === ANY) break;
    if (user !== undefined) touched.add(user);
  }
  return out;
}

/**
 * One sink per batch index in `indexes`: it decodes what the op reports and puts it (a copy per
 * further position) at that index's positions of `oldValues`. A value it can't decode throws
 * `InvalidDataFound` naming its key (the plan raises it once the batch is written).
 */
export function oldSinks(
  ctx: Ctx,
  checked: readonly Checked[],
  indexes: ReadonlySet<number>,
  oldAt: ReadonlyMap<number, number[]>,
  oldValues: unknown[],
): Map<number, OldSink> {
  const sinks = new Map<number, OldSink>();
  for (const i of indexes) {
    const m = checked[i]! as SetOrDelete | Extract<Checked, { type: 'merge' }>;
    const positions = oldAt.get(i) ?? [];
    const put = (value: unknown): void => positions.forEach((pos, k) => (oldValues[pos] = value === undefined || k === 0 ? value : copyEntity(value)));
    sinks.set(i, (reply) => {
      if (m.resource === 'member') {
        // MMo answers whether it created the member first.
        const value = decodeMember(ctx, m.key, m.type === 'merge' ? reply.slice(1) : reply);
        return value instanceof Promise ? value.then(put) : put(value);
      }
      const bytes = m.resource === 'guild' ? reply[0] : reply[1];
      put(bytes === undefined || bytes.length === 0 ? undefined : decodeOld(ctx, m.resource, m.key, bytes));
    });
  }
  return sinks;
}

/** A reported guild record, presence or voice state, decoded as its reader decodes it. */
function decodeOld(ctx: Ctx, resource: ResourceName, key: AnyKey, bytes: Buffer): unknown {
  const guildId = key.guildId!;
  if (resource === 'guild') return guildCodec.decode(bytes, fieldLocator(ctx.keys.guildMeta(guildId), 'g'), guildId);
  const child = resource as 'presence' | 'voiceState';
  return decodeChild(child, bytes, ctx.keys.guildChild(guildId, child), key.userId!, guildId);
}

/** A reported member (`[bucketKey, head, tail, userHead, userTail]`) joined with its user, as getMember decodes it; undefined when there was none. */
export function decodeMember(ctx: Ctx, key: AnyKey, pieces: readonly Buffer[]): unknown {
  const [bucket, head, tail, user, userTail] = pieces;
  if (head === undefined || head.length === 0) return undefined;
  const guildId = key.guildId!;
  const userId = key.userId!;
  const present = (b: Buffer | undefined): Buffer | null => (b !== undefined && b.length > 0 ? b : null);
  const packed = packPieces(idBytes(userId), head, present(tail), present(user), present(userTail));
  return decodePackedMember(ctx, guildId, String(bucket), packed, 0);
}
