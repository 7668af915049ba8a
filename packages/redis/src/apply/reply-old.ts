/**
 * Old values the guild script reports instead of a pre-read. A confirmed batch asks for the entries
 * its mutations replace; for a set or delete of a guild record, a presence or a voice state, the
 * `sakeGuildOps` op itself answers the bytes it replaces (`Go`, `go`, `So`, `Do`), in batch order, so
 * the batch is not read first: a confirmed presence or guild update costs the round trip of its write.
 *
 * Only where the script's order is the batch's: not for an entry the batch follows anyway (its merge,
 * a scoped clear, a role strip: the simulation knows it), and not in a batch that can cascade from a
 * channel removal (the cascade runs after the guild ops, and a mutation after it must see it).
 * Channels, roles and emojis are left out: a set may move one from another guild's hash, which
 * this guild's call does not see.
 */
import { copyEntity, type ResourceName } from '@sake/abc';
import { guildCodec } from '../codec/index.js';
import { fieldLocator, type Ctx } from '../context.js';
import { decodeChild } from '../resources/children.js';
import type { OldSink } from './guild-ops.js';
import type { AnyKey, Checked } from './validate.js';

/** Resources whose old value a guild op can report. */
const REPORTED: ReadonlySet<ResourceName> = new Set(['guild', 'presence', 'voiceState']);

/** Whether mutation `m` is of a kind whose old value its guild op can report (the batch-level conditions aside). */
export function reportable(m: Checked): m is Extract<Checked, { type: 'set' | 'delete' }> {
  return (m.type === 'set' || m.type === 'delete') && REPORTED.has(m.resource);
}

/** Whether the batch may cascade from a channel removal (see the module comment). */
export function mayCascade(checked: readonly Checked[]): boolean {
  return checked.some((m) => m.resource === 'channel' && (m.type === 'delete' || m.type === 'replaceForGuild' || m.type === 'clearFor'));
}

/**
 * One sink per batch index in `indexes`: it decodes what the op reports and puts it (a copy per
 * position) at that index's positions of `oldValues`. A value it can't decode throws
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
    const m = checked[i]! as Extract<Checked, { type: 'set' | 'delete' }>;
    const positions = oldAt.get(i) ?? [];
    sinks.set(i, (bytes) => {
      const value = bytes === null ? undefined : decodeOld(ctx, m.resource, m.key, bytes);
      positions.forEach((pos, k) => (oldValues[pos] = value === undefined || k === 0 ? value : copyEntity(value)));
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
