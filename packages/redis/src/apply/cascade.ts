/**
 * The channel cascade of the write contract (`@sake/abc` mutations.ts) on
 * Redis: a removed channel's messages, invites and voice states go with it,
 * at its place in the batch.
 *
 * - A `delete` of a channel names its channel up front: the batch gets a
 *   `clearFor(resource, 'channel', id)` of each child resource right after it
 *   ({@link expandChannelDeletes}), which the simulation applies in order.
 * - A `replaceForGuild('channel')` or `clearFor('channel', 'guild')` removes
 *   channels only its guild script knows (a GUILD_CREATE snapshot's dropped
 *   channels): learning them before the batch would cost every GUILD_CREATE a
 *   read round trip and its early planning. The script's reply names them
 *   ({@link ChannelRemoval}), and {@link cascadeRemovals} removes their
 *   children once the batch is written, sparing those the batch wrote after
 *   the removal. That equals removing them in place unless a later mutation
 *   of the batch reads such a child (a merge, a react, an old value) or
 *   writes a message under a channel limit into such a channel (the limit
 *   would count the children still there): the simulation then stops
 *   ({@link SplitBatch}) and the batch is applied in two parts, the first with
 *   its cascade.
 */
import { CHANNEL_CHILD_RESOURCES, type ResourceName } from '@sake/abc';
import type { Ctx } from '../context.js';
import { liveIds } from '../resources/expiring.js';
import { keyString, type Checked, type Entity } from './validate.js';
import { parseVoiceMember } from '../keys.js';

type ChildResource = (typeof CHANNEL_CHILD_RESOURCES)[number];

function isChild(resource: ResourceName): resource is ChildResource {
  return resource === 'message' || resource === 'invite' || resource === 'voiceState';
}

/** Channels a guild op removed (a replace that left them out, a clear), as its script reply names them. */
export interface ChannelRemoval {
  /** Index in the batch of the mutation that removed them. */
  readonly at: number;
  readonly channelIds: readonly string[];
}

/** A removal the simulation has passed whose channels are not known yet: the guild's channels not `listed`. */
export interface PendingRemoval {
  readonly guildId: string;
  readonly listed: ReadonlySet<string>;
}

/** The simulation met a mutation at batch index `at` that must see an earlier removal's cascade. */
export class SplitBatch extends Error {
  constructor(readonly at: number) {
    super(`the batch is applied in two parts, split at ${at} (a channel cascade must come first)`);
  }
}

/** `checked` with a clearFor of each child resource after every channel delete; `old` indexes moved along. */
export function expandChannelDeletes(checked: Checked[], old: readonly number[] | undefined): { checked: Checked[]; old: readonly number[] | undefined } {
  if (!checked.some((m) => m.type === 'delete' && m.resource === 'channel')) return { checked, old };
  const out: Checked[] = [];
  const moved: number[] = [];
  for (const m of checked) {
    moved.push(out.length);
    out.push(m);
    if (m.type !== 'delete' || m.resource !== 'channel') continue;
    const id = m.key.channelId;
    for (const resource of CHANNEL_CHILD_RESOURCES) out.push({ type: 'clearFor', resource, scope: 'channel', id });
  }
  return { checked: out, old: old?.map((i) => moved[i]!) };
}

/**
 * Whether `m`, at its place in the simulation, depends on a child that a pending removal may have
 * removed before it (so the deferred cascade would come too late): a merge, a react or a wanted
 * old value of a message/invite/voice state whose channel, in the removal's guild, is not listed;
 * or a message written under a channel limit into such a channel (the limit counts what the
 * channel holds, which the cascade would have emptied). `current` is the child as the simulation
 * has it; an absent one reads the same either way.
 */
export function mustSeeCascade(pending: readonly PendingRemoval[], m: Checked, current: Entity | null, wantsOld: boolean): boolean {
  if (pending.length === 0 || !isChild(m.resource)) return false;
  const limited = limitedChannel(m, current);
  if (limited !== undefined && mayBeRemoved(pending, limited.channelId, limited.guildId)) return true;
  if (current === null) return false;
  if (m.type !== 'merge' && m.type !== 'react' && !wantsOld) return false;
  const guildId = m.resource === 'voiceState' && 'key' in m ? m.key.guildId : current.guild_id;
  return mayBeRemoved(pending, current.channel_id, guildId);
}

/** Whether a pending removal may have removed channel `channelId` of guild `guildId` (unknown guild: any removal). */
function mayBeRemoved(pending: readonly PendingRemoval[], channelId: unknown, guildId: unknown): boolean {
  if (typeof channelId !== 'string') return false;
  return pending.some((p) => (typeof guildId !== 'string' || guildId === p.guildId) && !p.listed.has(channelId));
}

/** The channel (and guild) a message set, or an upsert merge, writes into under a channel limit. */
function limitedChannel(m: Checked, current: Entity | null): { channelId: unknown; guildId: unknown } | undefined {
  if (m.resource !== 'message' || (m.type !== 'set' && m.type !== 'merge') || m.channelLimit === undefined) return undefined;
  if (m.type === 'set') return { channelId: m.value.channel_id, guildId: m.value.guild_id };
  if (!m.upsert) return undefined;
  return { channelId: m.patch.channel_id ?? current?.channel_id, guildId: m.patch.guild_id ?? current?.guild_id };
}

/** Old-value indexes split at `at`: those before it, and those from it on (shifted), with their result positions. */
export function splitOld(
  old: readonly number[] | undefined,
  at: number,
): [first: number[], second: number[], firstAt: number[], secondAt: number[]] | undefined {
  if (old === undefined) return undefined;
  const out: [number[], number[], number[], number[]] = [[], [], [], []];
  old.forEach((i, pos) => {
    if (i < at) {
      out[0].push(i);
      out[2].push(pos);
    } else {
      out[1].push(i - at);
      out[3].push(pos);
    }
  });
  return out;
}

/** Keys of the children the batch writes after index `at`: the cascade came before them, so they stay. */
function writtenAfter(checked: readonly Checked[], at: number): Set<string> {
  const out = new Set<string>();
  for (let i = at + 1; i < checked.length; i++) {
    const m = checked[i]!;
    if (!isChild(m.resource)) continue;
    if (m.type === 'set' || m.type === 'merge' || m.type === 'react') out.add(keyString(m.resource, m.key));
    else if (m.type === 'replaceForGuild') for (const v of m.values) out.add(keyString(m.resource, v.key));
  }
  return out;
}

/**
 * Remove the children of the channels the batch's guild ops removed (see the module doc): each
 * channel's message, invite and voice indexes are read, and every child in them the batch did not
 * write after the channel's last removal is deleted through `apply` (which unindexes it everywhere).
 */
export async function cascadeRemovals(
  ctx: Ctx,
  checked: readonly Checked[],
  removals: readonly ChannelRemoval[],
  apply: (batch: Checked[]) => Promise<unknown>,
): Promise<void> {
  const lastAt = new Map<string, number>();
  for (const r of removals) for (const id of r.channelIds) lastAt.set(id, Math.max(r.at, lastAt.get(id) ?? -1));
  if (lastAt.size === 0) return;
  const keys = ctx.keys;
  const channels = [...lastAt];
  const found = await Promise.all(
    channels.map(([id]) =>
      Promise.all([
        liveIds(ctx, keys.messagesByChannel(id)),
        liveIds(ctx, keys.invitesByChannel(id)),
        ctx.conn.run('SMEMBERS', (c) => c.smembers(keys.voiceInChannel(id))),
      ]),
    ),
  );
  const deletes: Checked[] = [];
  const stays = new Map<number, Set<string>>();
  channels.forEach(([, at], i) => {
    let written = stays.get(at);
    if (written === undefined) stays.set(at, (written = writtenAfter(checked, at)));
    const drop = (m: Checked & { type: 'delete'; resource: ChildResource }): void => {
      if (!written.has(keyString(m.resource, m.key))) deletes.push(m);
    };
    const [messages, invites, voices] = found[i]!;
    for (const messageId of messages) drop({ type: 'delete', resource: 'message', key: { messageId } });
    for (const code of invites) drop({ type: 'delete', resource: 'invite', key: { code } });
    for (const member of voices) {
      const [guildId, userId] = parseVoiceMember(member);
      drop({ type: 'delete', resource: 'voiceState', key: { guildId, userId } });
    }
  });
  if (deletes.length > 0) await apply(deletes);
}
