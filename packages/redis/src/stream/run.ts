/**
 * `apply` through the op stream: register the batch's new role and guild ids, encode the batch
 * (encode.ts), and, once `after` settles, send its pieces to `sakeBatch` together (one round trip:
 * each piece is atomic, and they run in order on one connection). What the script could not do
 * itself (records it could not parse) comes back in its reply and is finished, in one more call,
 * before `apply` resolves:
 *  - a replaced message record: Node decodes it and drops the message from the indexes it moved
 *    out of (`X` ops);
 *  - a message a channel limit evicted, or the batch deleted: Node reads and decodes it and deletes
 *    it with its indexes (`E` ops), or only its record and all-messages entry when it can't be
 *    decoded either.
 */
import { addNewIds } from '../apply/new-ids.js';
import type { Checked } from '../apply/validate.js';
import { messageCodec } from '../codec/index.js';
import type { Ctx } from '../context.js';
import { writeStrip } from './strips.js';
import { dropMessage, encodeBatch, finalPlace, placeOf, unindexMoved, type MessagePlace } from './encode.js';
import { putReported, reportedIndexes, wantedPerPiece } from './previous.js';
import { OPS_PER_CALL, OpStreamWriter } from './writer.js';

/**
 * What one `sakeBatch` call answers: previous records it could not parse (id, bytes, …), evicted
 * ids it could not place (id, channel, …) and the old values it was asked for (none in a check).
 */
type BatchReply = [replaced: Buffer[], evicted: Buffer[], reported?: Buffer[]];

/**
 * The call's fixed arguments, then the stream piece; `mode` 'check': only check it, 'checked': a
 * piece of a batch checked first (scripts/batch.lua ARGV[6]); `wanted`: ARGV[7], the ops whose
 * old values it reports (stream/previous.ts).
 */
function call(ctx: Ctx, now: number, piece: Buffer, mode?: 'check' | 'checked', wanted = ''): Promise<BatchReply> {
  const args = [String(now), String(ctx.userTtlMs), String(ctx.userBuckets), ctx.keys.prefix, piece];
  if (mode !== undefined || wanted !== '') args.push(mode ?? '');
  if (wanted !== '') args.push(wanted);
  return ctx.conn.batched.sakeBatchBuffer(args);
}

/** Old values a batch asks the op stream for: `old` as `apply` has it, filled into `values` (stream/previous.ts). */
export interface StreamOld {
  /** Batch indexes, each of a mutation the stream reports the old value of. */
  readonly old: readonly number[];
  /** The result, one value per entry of `old`. */
  readonly values: unknown[];
}

/**
 * The stream a long batch is checked with before its pieces are sent (never applied): `D` and `i`
 * ops naming the messages and invites its later pieces write (their keys are checked), `K` and `k`
 * ops of their channel clears (the keys their channels list are checked), and an `r` op per react
 * and an `O` op per role removal of the whole batch (the reacted records' reactions and the
 * guilds' members are checked).
 */
function checkStream(checked: readonly Checked[]): Buffer[] {
  const w = new OpStreamWriter(Number.MAX_SAFE_INTEGER);
  checked.forEach((m, i) => {
    if (m.type === 'react') w.op('r').text(m.key.messageId);
    else if (m.type === 'removeRole') writeStrip(w, m.guildId, [m.roleId]);
    else if (i < OPS_PER_CALL) return;
    else if (m.type === 'clearFor' && m.resource === 'message') w.op('K').text(m.id);
    else if (m.type === 'clearFor' && m.resource === 'invite') w.op('k').text(m.id);
    else if (m.resource === 'message' && 'key' in m) w.op('D').text(m.key.messageId);
    else if (m.resource === 'invite' && 'key' in m) w.op('i').text(m.key.code);
  });
  return w.pieces();
}

/**
 * The batch was not applied (nothing of it written): a message it reacts to has reactions the
 * script can't change (scripts/includes/reactions.lua), or a role removal is one the script does
 * not run (scripts/includes/batch-roles.lua), so it goes through the plan instead.
 */
export class StreamFallback extends Error {
  constructor(cause: unknown) {
    super('the op stream left this batch to the plan', { cause });
  }
}

/**
 * `run`'s promise, with a SAKEREACT or SAKEPLAN reply (nothing written) as a {@link StreamFallback};
 * a guild refused for its member count is noted in `ctx.largeGuilds`.
 */
async function orFallback<T>(ctx: Ctx, run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (error) {
    if (!(error instanceof Error) || !/\bSAKE(REACT|PLAN)\b/.test(error.message)) throw error;
    const large = /\bSAKEPLAN (\d+): more members\b/.exec(error.message);
    if (large) ctx.largeGuilds.add(large[1]!);
    throw new StreamFallback(error);
  }
}

/** Apply mutations the op stream has ops for (coverage.ts; see the module comment), reporting the old values `old` asks for. */
export async function applyStream(ctx: Ctx, checked: readonly Checked[], after?: PromiseLike<unknown>, old?: StreamOld): Promise<void> {
  const registering = addNewIds(ctx, checked);
  if (registering) await registering;
  const now = Date.now();
  const indexes = old === undefined ? [] : reportedIndexes(old.old);
  const marks: number[] = [];
  const pieces = encodeBatch(ctx, checked, now, new Set(indexes), marks);
  const wanted = wantedPerPiece(marks, pieces.length);
  await after;
  // Each piece checks its message keys and reacted records before writing; a long batch checks
  // those of its later pieces (and every react) first, so a foreign value anywhere fails the batch
  // before any of it is written. (Every mutation is one op: piece k holds mutations from k × OPS_PER_CALL.)
  if (pieces.length > 1) {
    const check = checkStream(checked);
    if (check.length > 0)
      await orFallback(
        ctx,
        ctx.conn.run('apply', () => Promise.all(check.map((piece) => call(ctx, now, piece, 'check')))),
      );
  }
  const mode = pieces.length > 1 ? 'checked' : undefined;
  const sending = ctx.conn.run('apply', () => Promise.all(pieces.map((piece, k) => call(ctx, now, piece, mode, wanted[k]))));
  const replies = await (pieces.length === 1 ? orFallback(ctx, sending) : sending);
  const fixes = new OpStreamWriter(Number.MAX_SAFE_INTEGER);
  let any = false;
  const evicted: Array<[id: string, channel: string]> = [];
  for (const [replaced, gone] of replies) {
    for (let k = 0; k < replaced.length; k += 2) any = unindexReplaced(ctx, fixes, checked, replaced[k]!.toString(), replaced[k + 1]!) || any;
    for (let k = 0; k < gone.length; k += 2) evicted.push([gone[k]!.toString(), gone[k + 1]!.toString()]);
  }
  if (evicted.length > 0) any = (await dropEvicted(ctx, fixes, checked, evicted)) || any;
  if (any) await ctx.conn.run('apply', () => call(ctx, now, fixes.pieces()[0]!));
  if (old !== undefined)
    await putReported(
      ctx,
      checked,
      old.old,
      indexes,
      replies.flatMap((reply) => reply[2] ?? []),
      old.values,
    );
}

/**
 * Write the `E` ops for evicted or deleted messages the script could not parse (`channel`: the
 * channel whose limit evicted it, '' for a delete): each is read and decoded here; an evicted one
 * that has moved to another channel since is left alone, as is one the batch sets (after its
 * eviction or delete, or the script would have placed it). False when there is nothing to drop.
 */
async function dropEvicted(ctx: Ctx, w: OpStreamWriter, checked: readonly Checked[], evicted: ReadonlyArray<[string, string]>): Promise<boolean> {
  const set = new Set<string>();
  for (const m of checked) if (m.type === 'set' && m.resource === 'message') set.add(m.key.messageId);
  const left = evicted.filter(([id]) => !set.has(id));
  const keys = left.map(([id]) => ctx.keys.message(id));
  const values = left.length > 0 ? await ctx.reader.values(ctx, keys) : [];
  const none: MessagePlace = { guild: '', channel: '', author: '' };
  let any = false;
  left.forEach(([id, channel], i) => {
    let place = none;
    try {
      const bytes = values[i];
      if (bytes) place = placeOf(messageCodec.decode(bytes, keys[i]!, id) as never);
    } catch {
      // Unreadable: still delete the record and its all-messages entry.
    }
    if (channel !== '' && place !== none && place.channel !== channel) return;
    dropMessage(w, ctx, id, place);
    any = true;
  });
  return any;
}

/**
 * Write the `X` op for a message whose replaced record the script could not parse: the indexes
 * of that record that the message is not in once the batch is applied. False when the record
 * can't be decoded here either (its index entries stay until they expire or their index is read),
 * or the batch deletes the message last (the delete found it through its own means).
 */
function unindexReplaced(ctx: Ctx, w: OpStreamWriter, checked: readonly Checked[], id: string, bytes: Buffer): boolean {
  let old: MessagePlace;
  try {
    old = placeOf(messageCodec.decode(bytes, ctx.keys.message(id), id) as never);
  } catch {
    return false;
  }
  const final = finalPlace(checked, id, old);
  if (final === undefined) return false;
  unindexMoved(w, ctx, id, old, final);
  return true;
}
