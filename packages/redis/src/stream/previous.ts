/**
 * Old values in the op stream's reply: a confirmed batch whose old values are all of messages
 * (set, merge, delete, react), invites, presences, voice states (set, delete), members, guilds,
 * channels, roles and emojis (set, merge, delete) names the ops that apply those mutations in the
 * call (scripts/batch.lua ARGV[7]), and the script answers what each finds just before it runs (a
 * member as its pieces and its user's, joined here as getMember joins them; a channel, role or
 * emoji with the guild its locator names). The batch costs the round trip of its write: no
 * pre-read, and an entry an earlier op of the batch changed is reported as that op left it. Other
 * old values (users, the bot's own user) go through the plan (apply/reply-old.ts and its pre-read).
 */
import { copyEntity } from '@sake/abc';
import type { AnyKey, Checked } from '../apply/validate.js';
import { guildCodec } from '../codec/index.js';
import { fieldLocator, type Ctx } from '../context.js';
import { decodeMember } from '../apply/reply-old.js';
import { decodeChild } from '../resources/children.js';
import { decodeExpiring } from '../resources/expiring.js';
import { isGuildStructure } from './encode-guilds.js';
import { OPS_PER_CALL } from './writer.js';

/** Whether the op stream reports `m`'s old value (see the module comment): `m` is then one op. */
export function streamReportsOld(m: Checked): boolean {
  switch (m.resource) {
    case 'message':
      return m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react';
    case 'member':
    case 'guild':
    case 'channel':
    case 'role':
    case 'emoji':
      return m.type === 'set' || m.type === 'merge' || m.type === 'delete';
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

/** How many elements of the reply `m`'s old value takes: a member's bucket key and four pieces, a located child's guild and record, else one record. */
function width(m: Checked): number {
  if (m.resource === 'member') return 5;
  return isGuildStructure(m.resource) && m.resource !== 'guild' ? 2 : 1;
}

/** A reported old value of `m` (`pieces`: {@link width} elements, '' for none), decoded as its reader decodes it; `InvalidDataFound` naming its key when it can't be. */
function decodeReported(ctx: Ctx, m: Checked, pieces: readonly Buffer[]): unknown {
  const key = (m as { key: AnyKey }).key;
  if (m.resource === 'member') return decodeMember(ctx, key, pieces);
  if (m.resource === 'channel' || m.resource === 'role' || m.resource === 'emoji') {
    const [guild, record] = [pieces[0]!.toString(), pieces[1]!];
    if (record.length === 0) return undefined;
    const id = key.channelId ?? key.roleId ?? key.emojiId!;
    return decodeChild(m.resource, record, ctx.keys.guildChild(guild, m.resource), id, guild);
  }
  const bytes = pieces[0]!;
  if (bytes.length === 0) return undefined;
  if (m.resource === 'message') return decodeExpiring('message', bytes, ctx.keys.message(key.messageId!), key.messageId!);
  if (m.resource === 'invite') return decodeExpiring('invite', bytes, ctx.keys.invite(key.code!), key.code!);
  if (m.resource === 'guild') return guildCodec.decode(bytes, fieldLocator(ctx.keys.guildMeta(key.guildId!), 'g'), key.guildId!);
  const child = m.resource as 'presence' | 'voiceState';
  return decodeChild(child, bytes, ctx.keys.guildChild(key.guildId!, child), key.userId!, key.guildId!);
}

/**
 * Put the old values the calls reported (`reported`, for `indexes` in order) at the positions of
 * `old` that ask for them (a copy at each further position of one index). A value that can't be
 * decoded is thrown once every other is in place: the batch is written either way.
 */
export async function putReported(
  ctx: Ctx,
  checked: readonly Checked[],
  old: readonly number[],
  indexes: readonly number[],
  reported: readonly Buffer[],
  values: unknown[],
): Promise<void> {
  const decoded = new Map<number, unknown>();
  let failure: Error | undefined;
  let at = 0;
  for (const i of indexes) {
    const m = checked[i]!;
    const pieces = reported.slice(at, (at += width(m)));
    try {
      decoded.set(i, await decodeReported(ctx, m, pieces));
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
    }
  }
  if (at !== reported.length) throw new Error(`sakeBatch reported ${reported.length} old value elements, ${at} expected`);
  const placed = new Set<number>();
  old.forEach((i, pos) => {
    const value = decoded.get(i);
    values[pos] = value === undefined || !placed.has(i) ? value : copyEntity(value);
    placed.add(i);
  });
  if (failure !== undefined) throw failure;
}
