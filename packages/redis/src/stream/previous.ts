/**
 * Old values in the op stream's reply: a confirmed batch whose old values are all of messages
 * (set, merge, delete, react), invites, presences and voice states (set, delete) names the ops
 * that apply those mutations in the call (scripts/batch.lua ARGV[7]), and the script answers the
 * record each finds just before it runs. The batch costs the round trip of its write: no pre-read,
 * and an entry an earlier op of the batch changed is reported as that op left it. Other old values
 * (members, guild structure) go through the plan (apply/reply-old.ts and its pre-read).
 */
import { copyEntity } from '@sake/abc';
import type { AnyKey, Checked } from '../apply/validate.js';
import type { Ctx } from '../context.js';
import { decodeChild } from '../resources/children.js';
import { decodeExpiring } from '../resources/expiring.js';
import { OPS_PER_CALL } from './writer.js';

/** Whether the op stream reports `m`'s old value (see the module comment): `m` is then one op. */
export function streamReportsOld(m: Checked): boolean {
  switch (m.resource) {
    case 'message':
      return m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react';
    case 'invite':
    case 'presence':
    case 'voiceState':
      return m.type === 'set' || m.type === 'delete';
    default:
      return false;
  }
}

/** The batch indexes `old` asks for, once each, in batch order: the order their ops report in. */
export function reportedIndexes(old: readonly number[]): number[] {
  return [...new Set(old)].sort((a, b) => a - b);
}

/** Per piece of `pieces`, its ARGV[7]: the ordinals (1-based, in the piece) of the ops at stream indexes `marks`. */
export function wantedPerPiece(marks: readonly number[], pieces: number): string[] {
  const out = Array.from({ length: pieces }, (): number[] => []);
  for (const at of marks) out[Math.floor(at / OPS_PER_CALL)]!.push((at % OPS_PER_CALL) + 1);
  return out.map((ordinals) => ordinals.join(','));
}

/** A reported record of `m`'s entry ('' for none), decoded as its reader decodes it; `InvalidDataFound` naming its key when it can't be. */
function decodeReported(ctx: Ctx, m: Checked, bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  const key = (m as { key: AnyKey }).key;
  if (m.resource === 'message') return decodeExpiring('message', bytes, ctx.keys.message(key.messageId!), key.messageId!);
  if (m.resource === 'invite') return decodeExpiring('invite', bytes, ctx.keys.invite(key.code!), key.code!);
  const child = m.resource as 'presence' | 'voiceState';
  return decodeChild(child, bytes, ctx.keys.guildChild(key.guildId!, child), key.userId!, key.guildId!);
}

/**
 * Put the records the calls reported (`reported`, for `indexes` in order) at the positions of
 * `old` that ask for them (a copy at each further position of one index). A record that can't be
 * decoded is thrown once every other is in place: the batch is written either way.
 */
export function putReported(
  ctx: Ctx,
  checked: readonly Checked[],
  old: readonly number[],
  indexes: readonly number[],
  reported: readonly Buffer[],
  values: unknown[],
): void {
  if (reported.length !== indexes.length) throw new Error(`sakeBatch reported ${reported.length} old values for ${indexes.length} asked`);
  const decoded = new Map<number, unknown>();
  let failure: Error | undefined;
  indexes.forEach((i, k) => {
    try {
      decoded.set(i, decodeReported(ctx, checked[i]!, reported[k]!));
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
    }
  });
  const placed = new Set<number>();
  old.forEach((i, pos) => {
    const value = decoded.get(i);
    values[pos] = value === undefined || !placed.has(i) ? value : copyEntity(value);
    placed.add(i);
  });
  if (failure !== undefined) throw failure;
}
