/**
 * `apply(batch)`: mutations → Redis commands.
 *
 * Every mutation is validated first (TypeError before any I/O). On a single node, a batch that
 * asks for no old values and cuts into at most {@link MAX_SEGMENTS} segments goes through the op
 * stream (stream/: one script call per piece, in order); everything else through the plan:
 *
 * 1. Validate every mutation.
 * 2. Pre-read what the batch can't be planned without (only when it holds
 *    such mutations), in one wave of reads issued together: current values
 *    of merge and react targets (messages/invites with their expiry), where a
 *    deleted channel/role/emoji/message/invite is indexed, the members of a
 *    non-guild scope that a `clearFor` empties, a `removeRole`'s role index
 *    and the few holders Redis can't strip in place (apply/role-scan.ts),
 *    and the entries whose old value the caller asked for. Only a scoped
 *    clear of messages/invites needs a second wave (the values of the
 *    entries its index lists).
 * 3. Simulate the batch in order over those entries (so a merge after a set
 *    in the same batch sees the set), turning every mutation into plain
 *    set/delete/replace/clear ops of a {@link Plan}: a react becomes a set of
 *    the message, a removeRole an in-place strip in Redis (and sets of the
 *    holders the batch follows or the script can't edit).
 *    Old values are copied out of the simulation just before their mutation.
 * 4. Execute the plan (see plan.ts): per-guild ops are atomic, in one Lua call
 *    per guild; cross-slot indexes are written right after, before `apply`
 *    resolves.
 * 5. Remove the messages, invites and voice states of the channels the guild
 *    ops removed (the channel cascade, apply/cascade.ts; a channel delete's is
 *    part of the batch itself).
 */
import type { Mutation } from '@sake/abc';
import { cascadeRemovals, expandChannelDeletes, splitOld, SplitBatch, type ChannelRemoval } from './apply/cascade.js';
import { addNewIds } from './apply/new-ids.js';
import { Plan } from './apply/plan.js';
import { collectReads, needsRead, preRead } from './apply/pre-read.js';
import { memberCandidates, oldSinks } from './apply/reply-old.js';
import { Reclaim, scriptedMemberMerges } from './apply/script-merges.js';
import { Simulation } from './apply/simulate.js';
import { checkMutation, type Checked } from './apply/validate.js';
import type { Ctx } from './context.js';
import { streamReportsOld } from './stream/previous.js';
import { applyStream, StreamFallback } from './stream/run.js';
import { segments, type Segment } from './stream/segments.js';

/** Apply a batch of mutations in order; see the module comment. */
export function applyBatch(ctx: Ctx, batch: readonly Mutation[]): Promise<void> {
  return applyChecked(ctx, checkBatch(batch)).then(() => undefined);
}

/** Validate a batch (TypeError before any I/O); see the module comment. */
export function checkBatch(batch: readonly Mutation[]): Checked[] {
  if (!Array.isArray(batch)) throw new TypeError('apply() takes an array of mutations');
  // Array.isArray made the elements `any`; the declared type was right.
  return (batch as readonly Mutation[]).map((m, i) => checkMutation(m, i));
}

/** Mutation types whose entry's old value can be asked for (the others have no single entry). */
const REPORTS_OLD = new Set<Checked['type']>(['set', 'merge', 'delete', 'react']);

/** Validate `ApplyOptions.old` against a checked batch (TypeError before any I/O). */
export function checkOldIndexes(checked: readonly Checked[], old: unknown): readonly number[] {
  if (!Array.isArray(old)) throw new TypeError('apply() options.old must be an array of batch indexes');
  for (const i of old as unknown[]) {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= checked.length) {
      throw new TypeError(`apply() options.old: ${String(i)} is not an index of the batch (0..${checked.length - 1})`);
    }
    if (!REPORTS_OLD.has(checked[i]!.type)) throw new TypeError(`apply() options.old: batch[${i}] is a ${checked[i]!.type}, which has no old value`);
  }
  return old as number[];
}

/**
 * Apply a batch already validated by {@link checkBatch}. With `old` (batch
 * indexes checked by {@link checkOldIndexes}) it resolves with the entries as
 * they were just before those mutations (undefined: absent), in `old`'s order.
 * With `after` (`ApplyOptions.after`), nothing of the batch reaches Redis
 * before `after` settles (its reads neither: they must see what `after`
 * wrote), and nothing at all if it rejects; a batch that needs no pre-read is
 * planned and encoded meanwhile. New dictionary ids may be registered before.
 * Removed channels take their children with them (apply/cascade.ts).
 */
export function applyChecked(ctx: Ctx, checked: Checked[], old?: readonly number[], after?: PromiseLike<unknown>): Promise<unknown[] | undefined> {
  const expanded = expandChannelDeletes(checked, old);
  const reported = expanded.old?.every((i) => streamReportsOld(expanded.checked[i]!)) ?? true;
  if (ctx.writer.crossSlot && checked.length > 0 && reported) {
    const parts = segments(expanded.checked, ctx.largeGuilds);
    // A confirmed batch only whole: the old values come from one stream's reply.
    if (expanded.old !== undefined) {
      if (parts.length === 1 && parts[0]!.plan.length === 0) return applyStreamReporting(ctx, expanded.checked, expanded.old, after);
    } else if (parts.length <= MAX_SEGMENTS && parts.some((part) => part.stream.length > 0))
      return applySegments(ctx, expanded.checked, parts, after).then(() => undefined);
  }
  return applyCascading(ctx, expanded.checked, expanded.old, after);
}

/**
 * A batch the op stream takes whole, with old values it reports (stream/previous.ts): one round
 * trip. When the stream refuses it (nothing written), the plan applies it and finds them.
 */
async function applyStreamReporting(ctx: Ctx, checked: Checked[], old: readonly number[], after?: PromiseLike<unknown>): Promise<unknown[]> {
  ctx.conn.assertOpen();
  const values = new Array<unknown>(old.length).fill(undefined);
  try {
    await applyStream(ctx, checked, after, { old, values });
    return values;
  } catch (error) {
    if (!(error instanceof StreamFallback)) throw error;
    return (await applyCascading(ctx, checked, old))!;
  }
}

/**
 * Most segments a batch is applied in; a batch cut into more goes through the plan. Each segment
 * is a round trip of its own and pays the script's fixed costs per index and user bucket again;
 * the cap bounds that for a batch whose plan and stream mutations keep meeting. The listener's
 * mixed stream cuts into ~1.4 segments per ~200-event batch (docs/performance-log.md, 2026-12-07).
 */
const MAX_SEGMENTS = 8;

/**
 * A batch cut into segments (stream/segments.ts), each run once the one before it is written: its
 * op-stream share through `sakeBatch`, then its plan share through the plan (the two touch
 * nothing whose order matters; run one after the other, the plan's reads see what the stream
 * wrote). A segment's plan share is planned while its stream share is written.
 */
async function applySegments(ctx: Ctx, checked: readonly Checked[], parts: readonly Segment[], after?: PromiseLike<unknown>): Promise<void> {
  ctx.conn.assertOpen();
  // The batch's new role and guild ids, once for every segment.
  await addNewIds(ctx, checked);
  let previous = after;
  for (const part of parts) {
    const streamed = part.stream.length > 0 ? streamOrPlan(ctx, part.stream, previous) : previous;
    if (part.plan.length > 0) {
      // (Channel deletes came with their cascade before the cut.)
      const planned = applyCascading(ctx, part.plan, undefined, streamed);
      // Settle both before giving up on a failed stream share: the plan share waits for it anyway.
      await Promise.allSettled([streamed, planned]);
      await streamed;
      await planned;
    } else await streamed;
    previous = undefined;
  }
}

/** A segment's stream share through the op stream, or through the plan when the stream refuses it (nothing written). */
async function streamOrPlan(ctx: Ctx, stream: Checked[], after?: PromiseLike<unknown>): Promise<void> {
  try {
    await applyStream(ctx, stream, after);
  } catch (error) {
    if (!(error instanceof StreamFallback)) throw error;
    await applyCascading(ctx, stream);
  }
}

/** {@link applyOnce}, then the cascade of the channels its guild ops removed; in two parts when the simulation asks for it. */
async function applyCascading(ctx: Ctx, checked: Checked[], old?: readonly number[], after?: PromiseLike<unknown>): Promise<unknown[] | undefined> {
  const removals: ChannelRemoval[] = [];
  let result: unknown[] | undefined;
  try {
    result = await applyOnceReclaiming(ctx, checked, removals, old, after);
  } catch (error) {
    if (!(error instanceof SplitBatch)) throw error;
    // Nothing was written (the simulation stops before the plan runs). A split needs a pre-read
    // value, so `after` has settled; the first part still waits for it, to not depend on that.
    const parts = splitOld(old, error.at);
    const first = await applyCascading(ctx, checked.slice(0, error.at), parts?.[0], after);
    const second = await applyCascading(ctx, checked.slice(error.at), parts?.[1]);
    if (parts === undefined) return undefined;
    const values = new Array<unknown>(old!.length);
    parts[2].forEach((pos, k) => (values[pos] = first![k]));
    parts[3].forEach((pos, k) => (values[pos] = second![k]));
    return values;
  }
  await cascadeRemovals(ctx, checked, removals, (deletes) => applyCascading(ctx, deletes));
  return result;
}

/** {@link applyOnce}, planned again with more users' merges in Node when it asks for it ({@link Reclaim}). */
async function applyOnceReclaiming(
  ctx: Ctx,
  checked: Checked[],
  removals: ChannelRemoval[],
  old?: readonly number[],
  after?: PromiseLike<unknown>,
): Promise<unknown[] | undefined> {
  try {
    return await applyOnce(ctx, checked, removals, old, after);
  } catch (error) {
    if (!(error instanceof Reclaim)) throw error;
    // Nothing was written; `after` has settled (the pre-read waited for it).
    return applyOnce(ctx, checked, removals, old, undefined, error.users);
  }
}

/** One pass of {@link applyChecked} over an expanded batch; channels its guild ops removed are added to `removals`. */
async function applyOnce(
  ctx: Ctx,
  checked: Checked[],
  removals: ChannelRemoval[],
  old?: readonly number[],
  after?: PromiseLike<unknown>,
  claimed?: ReadonlySet<string>,
): Promise<unknown[] | undefined> {
  ctx.conn.assertOpen();
  const oldValues: unknown[] | undefined = old === undefined ? undefined : new Array<unknown>(old.length).fill(undefined);
  if (checked.length === 0) {
    await after;
    return oldValues;
  }
  const oldAt = oldPositions(old);
  const memberOld = memberCandidates(ctx, checked, oldAt);
  const inScript = scriptedMemberMerges(checked, old, claimed, memberOld);
  const reads = collectReads(checked, oldAt, inScript, memberOld);
  // Roles new to a guild's role dictionary, and guilds new to the store's guild dictionary, are
  // added (atomically, in Redis) while the batch pre-reads, so every member of the batch is encoded
  // with role indexes and every guild list entry with the guild's index.
  const registering = addNewIds(ctx, checked);
  registering?.catch(() => {});
  // The reads must see what `after` wrote; a batch without reads is planned meanwhile.
  let waited = false;
  if (needsRead(reads)) {
    await after;
    waited = true;
    await preRead(ctx, reads, checked, inScript);
  }
  if (registering) await registering;
  const plan = new Plan(ctx, Date.now());
  const sinks = reads.replyOld.size > 0 ? oldSinks(ctx, checked, reads.replyOld, oldAt!, oldValues!) : undefined;
  new Simulation(plan, reads, inScript).run(checked, oldAt, oldValues, sinks);
  if (!waited) await after;
  await plan.execute();
  removals.push(...plan.removedChannels);
  return oldValues;
}

/** Batch index → positions in the result that want its old value (undefined when none are asked for). */
function oldPositions(old: readonly number[] | undefined): Map<number, number[]> | undefined {
  if (old === undefined || old.length === 0) return undefined;
  const oldAt = new Map<number, number[]>();
  old.forEach((i, pos) => {
    const list = oldAt.get(i);
    if (list) list.push(pos);
    else oldAt.set(i, [pos]);
  });
  return oldAt;
}
