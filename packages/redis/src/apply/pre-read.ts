/**
 * What a batch pre-reads before it is simulated (apply/simulate.ts), and the reads themselves: one
 * wave of commands issued together, and a second only for the values a scoped clear of
 * messages/invites lists.
 */
import type { ResourceName } from '@sake/abc';
import type { Ctx } from '../context.js';
import { readExpiringMany } from '../resources/expiring.js';
import { readExpiringEntries, readValues, scopeKeys } from './reads.js';
import { readRoleHolders } from './role-scan.js';
import { mayCascade, reportable } from './reply-old.js';
import { reclaimHolders } from './script-merges.js';
import { isGuildLocalClear, trackHolders, TrackedEntries, type Tracked } from './tracked.js';
import type { AnyKey, Checked, Entity } from './validate.js';

type ScopedClear = Extract<Checked, { type: 'clearFor' }>;

/** What a batch reads before it is simulated ({@link collectReads}) and, once read ({@link preRead}), what was found. */
export interface PreRead {
  /** The entries the simulation follows, with their values once read. */
  readonly tracked: TrackedEntries;
  /** The clears with a non-guild scope (their keys are read). */
  readonly scopedClears: readonly ScopedClear[];
  /** Resources whose in-batch writes must be followed because a scoped clear or a removeRole may rewrite them. */
  readonly followWrites: Set<ResourceName>;
  /** Guild → roles that removeRole mutations strip from its members. */
  readonly roleScans: ReadonlyMap<string, ReadonlySet<string>>;
  /** Channels whose limit a message set of the batch applies, when the batch also reads messages. */
  readonly limitedChannels: ReadonlySet<string>;
  /** After the read: the keys each scoped clear empties, as stored before the batch. */
  readonly scopeTargets: Map<Checked, AnyKey[]>;
  /** After the read: guild → the dictionary index of each role its removeRole mutations strip. */
  readonly roleIndexes: Map<string, ReadonlyMap<string, number>>;
  /** After the read: live message ids of each limited channel's index (kept up to date by the simulation). */
  readonly channelMessages: Map<string, Set<string>>;
  /** Batch indexes whose old value the guild script reports instead (reply-old.ts): not read. */
  readonly replyOld: ReadonlySet<number>;
}

/** Follow `key` of `resource` in `tracked` (once), and return its entry. */
function follow(tracked: TrackedEntries, resource: ResourceName, key: AnyKey): Tracked {
  let t = tracked.get(resource, key);
  if (!t) tracked.add((t = { resource, key, value: null }));
  return t;
}

/** Deletes of these resources need the stored value (where the entry is indexed). */
const NEEDS_VALUE_ON_DELETE = new Set<ResourceName>(['channel', 'role', 'emoji', 'message', 'invite']);

/**
 * What the batch must pre-read: merge and react targets but the script merges (`inScript`), where
 * deleted entries are indexed, scoped clears, role removals' holders, old values (`oldAt`), and
 * the indexes of limited channels when the batch reads messages.
 */
export function collectReads(
  checked: readonly Checked[],
  oldAt: ReadonlyMap<number, unknown> | undefined,
  inScript: ReadonlySet<number>,
  memberOld: ReadonlySet<number> = new Set(),
): PreRead {
  const tracked = new TrackedEntries();
  const scopedClears = checked.filter((m): m is ScopedClear => m.type === 'clearFor' && !isGuildLocalClear(m));
  const followWrites = new Set<ResourceName>(scopedClears.map((m) => m.resource));
  const roleScans = new Map<string, Set<string>>();
  const reported = followMutations(checked, tracked, roleScans, { oldAt, inScript, memberOld });
  // Read before the old values below add their follows: only what the mutations themselves read counts.
  const limitedChannels = limitedChannelsOf(checked, tracked);
  if (roleScans.size > 0) {
    // Members written earlier in the batch may hold the role, and the rewrite of a holder sets its user.
    followWrites.add('member');
    followWrites.add('user');
  }
  const inOrder = scopedClears.length === 0 && !mayCascade(checked);
  const replyOld = scriptReportedOld(checked, reported, tracked, followWrites, inOrder);
  return {
    tracked,
    scopedClears,
    followWrites,
    roleScans,
    limitedChannels,
    scopeTargets: new Map(),
    roleIndexes: new Map(),
    channelMessages: new Map(),
    replyOld,
  };
}

/**
 * Follow what each mutation reads (into `tracked`; removeRole's roles into `roleScans`); returns
 * the batch indexes whose old value a guild op may report (reply-old.ts), decided by
 * {@link scriptReportedOld} once every follow is known.
 */
function followMutations(
  checked: readonly Checked[],
  tracked: TrackedEntries,
  roleScans: Map<string, Set<string>>,
  o: { oldAt: ReadonlyMap<number, unknown> | undefined; inScript: ReadonlySet<number>; memberOld: ReadonlySet<number> },
): number[] {
  const reported: number[] = [];
  for (let i = 0; i < checked.length; i++) {
    const m = checked[i]!;
    switch (m.type) {
      case 'merge':
        if (o.inScript.has(i)) break;
        if (m.resource === 'message' || m.resource === 'invite') follow(tracked, m.resource, m.key).wantsExpiry = true;
        else follow(tracked, m.resource, m.key);
        // Always follow a merged member's user: the merge rewrites it, and must write it as the batch has
        // it by then (a replace or a set of another guild's member may have changed it), not as it was read.
        // It costs no read of its own: readValues takes it from the member read.
        if (m.resource === 'member') follow(tracked, 'user', { userId: m.key.userId });
        break;
      case 'react':
        follow(tracked, 'message', m.key).wantsExpiry = true;
        break;
      case 'delete':
        if (NEEDS_VALUE_ON_DELETE.has(m.resource)) follow(tracked, m.resource, m.key);
        break;
      case 'removeRole': {
        const roles = roleScans.get(m.guildId);
        if (roles) roles.add(m.roleId);
        else roleScans.set(m.guildId, new Set([m.roleId]));
        break;
      }
      default:
        break;
    }
    if (o.oldAt?.has(i) && (m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react')) {
      // A member merge reports its old value only when it runs in the script (reply-old.ts).
      if (o.memberOld.has(i) ? m.type === 'delete' || o.inScript.has(i) : reportable(m)) reported.push(i);
      else {
        follow(tracked, m.resource, m.key);
        // getMember joins the member with the user entry as it is then: follow the user too.
        if (m.resource === 'member') follow(tracked, 'user', { userId: m.key.userId });
      }
    }
  }
  return reported;
}

/**
 * Channels whose limit a message set of this batch applies, when the batch also reads messages (a
 * merge, a react, a delete or an old value): their indexes are read too, so the simulation evicts
 * what the index script will evict and a later mutation of the batch sees the message gone.
 */
function limitedChannelsOf(checked: readonly Checked[], tracked: TrackedEntries): Set<string> {
  const limited = new Set<string>();
  if (tracked.of('message').length === 0) return limited;
  for (const m of checked) {
    if (m.resource !== 'message' || (m.type !== 'set' && m.type !== 'merge') || m.channelLimit === undefined) continue;
    const channelId = m.type === 'set' ? m.value.channel_id : m.upsert ? m.patch.channel_id : undefined;
    if (typeof channelId === 'string') limited.add(channelId);
  }
  return limited;
}

/**
 * Of the `reported` candidates, the old values the guild script can report in batch order (`inOrder`:
 * no scoped clear or cascade reorders the batch): those of entries nothing else follows. The others
 * are followed (read before the batch) instead.
 */
function scriptReportedOld(
  checked: readonly Checked[],
  reported: readonly number[],
  tracked: TrackedEntries,
  followWrites: ReadonlySet<ResourceName>,
  inOrder: boolean,
): Set<number> {
  const replyOld = new Set<number>();
  for (const i of reported) {
    const m = checked[i]! as Extract<Checked, { type: 'set' | 'delete' | 'merge' }>;
    const user = m.resource === 'member' ? { userId: m.key.userId } : undefined;
    const followed = followWrites.has(m.resource) || tracked.get(m.resource, m.key) || (user && (followWrites.has('user') || tracked.get('user', user)));
    if (inOrder && !followed) replyOld.add(i);
    else {
      follow(tracked, m.resource, m.key);
      if (user) follow(tracked, 'user', user);
    }
  }
  return replyOld;
}

/** Whether {@link preRead} has anything to read. */
export function needsRead(r: PreRead): boolean {
  return r.tracked.size > 0 || r.scopedClears.length > 0 || r.roleScans.size > 0;
}

/**
 * Read what {@link collectReads} found into `r` (throws `Reclaim` when a role removal's holders
 * need users' script merges back in Node: nothing is written yet).
 */
export async function preRead(ctx: Ctx, r: PreRead, checked: readonly Checked[], inScript: ReadonlySet<number>): Promise<void> {
  const { tracked, scopedClears, roleScans, limitedChannels, roleIndexes, channelMessages } = r;
  // One wave: every read below is issued in the same tick (the connection pipelines them).
  const all = tracked.all();
  const stored = all.filter((t) => t.resource === 'message' || t.resource === 'invite');
  const entries = all.filter((t) => t.resource !== 'message' && t.resource !== 'invite');
  const scans = [...roleScans];
  const channels = [...limitedChannels];
  const [values, , found, holders, indexed] = await Promise.all([
    readValues(ctx, entries),
    readExpiringEntries(ctx, stored),
    Promise.all(scopedClears.map((m) => scopeKeys(ctx, m))),
    Promise.all(scans.map(([guildId, roles]) => readRoleHolders(ctx, guildId, roles))),
    ctx.reader.liveIds(
      ctx,
      channels.map((channelId) => ctx.keys.messagesByChannel(channelId)),
    ),
  ]);
  channels.forEach((channelId, i) => channelMessages.set(channelId, new Set(indexed[i])));
  entries.forEach((t, i) => (t.value = values[i]!));
  scans.forEach(([guildId], i) => {
    trackHolders(tracked, guildId, holders[i]!.holders);
    roleIndexes.set(guildId, holders[i]!.indexes);
  });
  reclaimHolders(
    checked,
    inScript,
    holders.flatMap((h) => h.holders.map((holder) => holder.userId)),
  );
  await readListed(ctx, r, found);
}

/**
 * The second wave: a scoped clear of messages/invites needs the values of the entries its index
 * lists (`found`, per scoped clear) to unindex them; those not read already are read here.
 */
async function readListed(ctx: Ctx, r: PreRead, found: readonly AnyKey[][]): Promise<void> {
  const { tracked, scopedClears, scopeTargets } = r;
  const more: Tracked[] = [];
  scopedClears.forEach((m, i) => {
    scopeTargets.set(m, found[i]!);
    if (m.resource !== 'message' && m.resource !== 'invite') return;
    for (const key of found[i]!) {
      if (tracked.get(m.resource, key)) continue;
      const t: Tracked = { resource: m.resource, key, value: null };
      tracked.add(t);
      more.push(t);
    }
  });
  if (more.length === 0) return;
  // Messages and invites only (the values their indexes list): one MGET per resource on a single node.
  const messages = more.filter((t) => t.resource === 'message');
  const invites = more.filter((t) => t.resource === 'invite');
  const [messageValues, inviteValues] = await Promise.all([
    readExpiringMany(
      ctx,
      'message',
      messages.map((t) => t.key.messageId!),
    ),
    readExpiringMany(
      ctx,
      'invite',
      invites.map((t) => t.key.code!),
    ),
  ]);
  messages.forEach((t, i) => (t.value = messageValues[i] as Entity | null));
  invites.forEach((t, i) => (t.value = inviteValues[i] as Entity | null));
}
