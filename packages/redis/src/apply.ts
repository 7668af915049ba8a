/**
 * `apply(batch)`: mutations → Redis commands.
 *
 * 1. Validate every mutation (TypeError before any I/O).
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
import { applyReactionChange, copyEntity, fillKeyFields, scopeIdOf, smallestSnowflakes, type Mutation, type ResourceName } from '@sake/abc';
import { isGuildHashResource, Plan } from './apply/plan.js';
import { readRoleHolders, type RoleHolder } from './apply/role-scan.js';
import { cascadeRemovals, expandChannelDeletes, mustSeeCascade, splitOld, SplitBatch, type ChannelRemoval, type PendingRemoval } from './apply/cascade.js';
import { checkMutation, isPairKeyed, isRecord, keyString, soleId, type AnyKey, type Checked, type Entity } from './apply/validate.js';
import { Reclaim, scriptedMemberMerges } from './apply/script-merges.js';
import type { Ctx } from './context.js';
import { bucketOf } from './keys.js';
import { guildsOfUser, readGuildChild, readLocated } from './resources/children.js';
import { liveIds, readExpiring, readExpiringMany, readExpiry } from './resources/expiring.js';
import { readGuild } from './resources/guilds.js';
import { readMember } from './resources/members.js';
import { readMe, readUsers } from './resources/users.js';

/** Apply a batch of mutations in order; see the module comment. */
export function applyBatch(ctx: Ctx, batch: readonly Mutation[]): Promise<void> {
  return applyChecked(ctx, checkBatch(batch)).then(() => undefined);
}

/** An entry the simulation follows: its resource, key and value (null = absent). */
interface Tracked {
  resource: ResourceName;
  key: AnyKey;
  value: Entity | null;
  /**
   * Messages/invites that a merge rewrites: when the stored entry expires (epoch ms; null = never;
   * undefined = not known), so the rewrite keeps that expiry instead of dropping it.
   */
  expireAt?: number | null;
  /** A merged or reacted message/invite: its expiry is pre-read along with its value. */
  wantsExpiry?: boolean;
}

/** Whether two keys of `resource` name the same entry (what equal {@link keyString}s say). */
function sameKey(resource: ResourceName, a: AnyKey, b: AnyKey): boolean {
  if (isPairKeyed(resource)) return (a.guildId ?? '') === (b.guildId ?? '') && (a.userId ?? '') === (b.userId ?? '');
  return soleId(resource, a) === soleId(resource, b);
}

/**
 * The entries the simulation follows, by resource and key ids: nested maps of the ids themselves
 * (no key string built per lookup), plus each resource's entries and all entries in the order they
 * were first followed. Entries are never removed (an absent one has value null).
 */
class TrackedEntries {
  readonly #byId = new Map<ResourceName, Map<string, Tracked>>();
  readonly #byPair = new Map<ResourceName, Map<string, Map<string, Tracked>>>();
  readonly #ofResource = new Map<ResourceName, Tracked[]>();
  readonly #all: Tracked[] = [];

  get size(): number {
    return this.#all.length;
  }

  get(resource: ResourceName, key: AnyKey): Tracked | undefined {
    if (isPairKeyed(resource))
      return this.#byPair
        .get(resource)
        ?.get(key.guildId ?? '')
        ?.get(key.userId ?? '');
    return this.#byId.get(resource)?.get(soleId(resource, key));
  }

  /** The followed user entry of `userId`. */
  user(userId: string): Tracked | undefined {
    return this.#byId.get('user')?.get(userId);
  }

  /** Follow `t` (its resource and key not followed yet). */
  add(t: Tracked): void {
    if (isPairKeyed(t.resource)) {
      let guilds = this.#byPair.get(t.resource);
      if (!guilds) this.#byPair.set(t.resource, (guilds = new Map<string, Map<string, Tracked>>()));
      const guildId = t.key.guildId ?? '';
      let users = guilds.get(guildId);
      if (!users) guilds.set(guildId, (users = new Map<string, Tracked>()));
      users.set(t.key.userId ?? '', t);
    } else {
      let ids = this.#byId.get(t.resource);
      if (!ids) this.#byId.set(t.resource, (ids = new Map<string, Tracked>()));
      ids.set(soleId(t.resource, t.key), t);
    }
    const list = this.#ofResource.get(t.resource);
    if (list) list.push(t);
    else this.#ofResource.set(t.resource, [t]);
    this.#all.push(t);
  }

  /** Every followed entry, in the order first followed. */
  all(): readonly Tracked[] {
    return this.#all;
  }

  /** The followed entries of `resource`, in the order first followed. */
  of(resource: ResourceName): readonly Tracked[] {
    return this.#ofResource.get(resource) ?? [];
  }

  /** The followed entries of a pair-keyed resource in one guild, in the order first followed. */
  inGuild(resource: ResourceName, guildId: string): Iterable<Tracked> {
    return this.#byPair.get(resource)?.get(guildId)?.values() ?? [];
  }
}

/** Whether a clearFor works inside the guild's slot (no pre-read needed). */
function isGuildLocalClear(m: Extract<Checked, { type: 'clearFor' }>): boolean {
  return m.scope === 'guild' && m.resource !== 'message' && m.resource !== 'invite';
}

function guildOf(t: Tracked): string | undefined {
  return t.key.guildId ?? (t.value?.guild_id as string | undefined);
}

function readValue(ctx: Ctx, resource: ResourceName, key: AnyKey): Promise<Entity | null> {
  // The readers' promises, with absent as null (no async wrapper per entry: a batch reads thousands).
  let read: Promise<unknown>;
  switch (resource) {
    case 'guild':
      read = readGuild(ctx, key.guildId!);
      break;
    case 'channel':
      read = readLocated(ctx, 'channel', key.channelId!);
      break;
    case 'role':
      read = readLocated(ctx, 'role', key.roleId!);
      break;
    case 'emoji':
      read = readLocated(ctx, 'emoji', key.emojiId!);
      break;
    case 'member':
      read = readMember(ctx, key.guildId!, key.userId!);
      break;
    case 'presence':
    case 'voiceState':
      read = readGuildChild(ctx, resource, key.guildId!, key.userId!);
      break;
    case 'message':
      read = readExpiring(ctx, 'message', key.messageId!);
      break;
    case 'invite':
      read = readExpiring(ctx, 'invite', key.code!);
      break;
    case 'user':
      read = readUsers(ctx, [key.userId!]).then((users) => users[0]);
      break;
    case 'me':
      read = readMe(ctx);
      break;
    default:
      read = Promise.resolve(undefined);
  }
  return read.then(orNull);
}

/** A read's value with absent (undefined) as null. */
function orNull(value: unknown): Entity | null {
  return (value ?? null) as Entity | null;
}

/**
 * Read the tracked entries. A user that is also followed as a member (a member merge carrying its
 * user: every message author) comes from the member read, which joins it, instead of a second
 * read of its bucket; it is read on its own only when the member is absent.
 */
function readValues(ctx: Ctx, entries: readonly Tracked[]): Promise<Array<Entity | null>> {
  const memberReads = new Map<string, Promise<Entity | null>>();
  const reads: Array<Promise<Entity | null> | undefined> = entries.map((t) => {
    if (t.resource === 'user') return undefined;
    const read = readValue(ctx, t.resource, t.key);
    if (t.resource === 'member' && !memberReads.has(t.key.userId!)) memberReads.set(t.key.userId!, read);
    return read;
  });
  entries.forEach((t, i) => {
    if (reads[i] !== undefined) return;
    const viaMember = memberReads.get(t.key.userId!);
    reads[i] =
      viaMember === undefined
        ? readValue(ctx, 'user', t.key)
        : viaMember.then((member) => {
            const user = member?.user as Entity | undefined;
            // A member joined with a bare `{ id }` has no user entry behind it: read the bucket to be sure.
            return user !== undefined && Object.keys(user).length > 1 ? { ...user } : readValue(ctx, 'user', t.key);
          });
  });
  return Promise.all(reads as Array<Promise<Entity | null>>);
}

/** Keys a non-guild-scoped clearFor empties, as stored before the batch. */
async function scopeKeys(ctx: Ctx, m: Extract<Checked, { type: 'clearFor' }>): Promise<AnyKey[]> {
  const keys = ctx.keys;
  switch (m.resource) {
    case 'member':
    case 'presence':
      return (await guildsOfUser(ctx, m.resource, m.id)).map((guildId) => ({ guildId, userId: m.id }));
    case 'voiceState': {
      const members = await ctx.conn.run('SMEMBERS', (c) => c.smembers(keys.voiceInChannel(m.id)));
      return members.map((s) => {
        const [guildId, userId] = s.split(':') as [string, string];
        return { guildId, userId };
      });
    }
    case 'message': {
      const index =
        m.scope === 'guild'
          ? keys.messagesByGuild(m.id)
          : m.scope === 'channel'
            ? keys.messagesByChannel(m.id)
            : keys.messagesByAuthor(bucketOf(m.id, ctx.userBuckets), m.id);
      return (await liveIds(ctx, index)).map((messageId) => ({ messageId }));
    }
    case 'invite': {
      const index = m.scope === 'guild' ? keys.invitesByGuild(m.id) : keys.invitesByChannel(m.id);
      return (await liveIds(ctx, index)).map((code) => ({ code }));
    }
    default:
      return [];
  }
}

/** Deep equality of two JSON-like values (plain objects, arrays, primitives), key order ignored. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    // An absent field and an `undefined` one are the same to a JSON store.
    if (x[k] === undefined) continue;
    n++;
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
  }
  let m = 0;
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) m++;
  return n === m;
}

/**
 * Whether `{ ...current, ...patch }` is {@link sameJson} to `current` (its keys but `skip`), checked
 * per patch key: a defined patch field must equal the current one, an undefined one must meet an
 * absent or undefined field.
 */
function patchChangesNothing(current: Entity, patch: Entity, skip?: string): boolean {
  for (const k in patch) {
    if (!Object.hasOwn(patch, k) || k === skip) continue;
    const v = patch[k];
    if (v === undefined) {
      if (Object.hasOwn(current, k) && current[k] !== undefined) return false;
    } else if (!Object.hasOwn(current, k) || !sameJson(v, current[k])) return false;
  }
  return true;
}

/**
 * Whether a member merge would leave the member as it is: the merged member (`{ ...current,
 * ...patch }`, its user `{ ...user, ...patch.user }`, its guild_id filled in when absent) is
 * {@link sameJson} to `{ ...current, user }`, `user` being the member's user as the batch has it.
 * False (compare the built entities) for any patch user but an object, null or undefined.
 */
function memberMergeChangesNothing(current: Entity, patch: Entity, user: unknown): boolean {
  if (!isRecord(user)) return false;
  const patchUser = patch.user;
  if (patchUser !== undefined && patchUser !== null && !isRecord(patchUser)) return false;
  // The merged member gets a guild_id when it would have none; the current one would then lack it.
  if ((Object.hasOwn(patch, 'guild_id') ? patch.guild_id : current.guild_id) === undefined) return false;
  if (!patchChangesNothing(current, patch, 'user')) return false;
  return patchUser === undefined || patchUser === null || patchChangesNothing(user, patchUser);
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
 * Add the role ids the batch's member values and patches carry that this process's copies of their
 * guilds' role dictionaries lack (see resources/roles.ts), and the guilds whose member or presence
 * lists the batch may change that its copy of the guild dictionary lacks (resources/guild-refs.ts);
 * undefined when there are none.
 */
function addNewIds(ctx: Ctx, checked: readonly Checked[]): Promise<unknown> | undefined {
  const guilds = new Set<string>();
  const listGuild = (guildId: string | undefined): void => {
    if (guildId !== undefined) ctx.guildRefs.noteMissing(guildId, guilds);
  };
  for (const m of checked) {
    switch (m.type) {
      case 'set':
      case 'merge':
      case 'delete':
        // A guild delete empties the guild's member and presence lists too.
        if (m.resource === 'member' || m.resource === 'presence' || m.resource === 'guild') listGuild(m.key.guildId);
        break;
      case 'replaceForGuild':
      case 'removeRole':
        if (m.resource === 'member' || m.resource === 'presence') listGuild(m.guildId);
        break;
      case 'clearFor':
        if (m.scope === 'guild') listGuild(m.id);
        break;
      default:
        break;
    }
  }
  const roles = addNewRoles(ctx, checked);
  if (guilds.size === 0) return roles;
  const adding = ctx.guildRefs.add(guilds);
  return roles ? Promise.all([roles, adding]) : adding;
}

/** The role part of {@link addNewIds}. */
function addNewRoles(ctx: Ctx, checked: readonly Checked[]): Promise<unknown> | undefined {
  let added: Map<string, Set<string>> | undefined;
  const note = (guildId: string, value: Entity): void => {
    const roles = value.roles;
    if (!Array.isArray(roles) || roles.length === 0) return;
    added ??= new Map();
    let set = added.get(guildId);
    if (!set) added.set(guildId, (set = new Set()));
    ctx.roles.of(guildId).missing(roles, set);
  };
  for (const m of checked) {
    if (m.resource !== 'member') continue;
    if (m.type === 'set') note(m.key.guildId, m.value);
    else if (m.type === 'merge') note(m.key.guildId, m.patch);
    else if (m.type === 'replaceForGuild') for (const v of m.values) note(m.guildId, v.value);
  }
  if (!added) return undefined;
  const calls: Array<Promise<void>> = [];
  for (const [guildId, roles] of added) if (roles.size > 0) calls.push(ctx.roles.add(guildId, roles));
  return calls.length > 0 ? Promise.all(calls) : undefined;
}

/** The ttl that keeps an expiry `expireAt` (epoch ms; null: never; undefined: not known) when an entry is rewritten. */
function keptTtl(expireAt: number | null | undefined, now: number): number | null | undefined {
  return expireAt === undefined || expireAt === null ? expireAt : Math.max(1, expireAt - now);
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
  return applyCascading(ctx, expanded.checked, expanded.old, after);
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
  let waited = after === undefined;
  const afterSettled = async (): Promise<void> => {
    if (waited) return;
    waited = true;
    await after;
  };
  if (checked.length === 0) {
    await afterSettled();
    return oldValues;
  }

  /** Batch index → positions in the result that want its old value (only built when old values are asked for). */
  let oldAt: Map<number, number[]> | undefined;
  if (old !== undefined && old.length > 0) {
    oldAt = new Map();
    old.forEach((i, pos) => {
      const list = oldAt!.get(i);
      if (list) list.push(pos);
      else oldAt!.set(i, [pos]);
    });
  }

  // What to pre-read.
  const inScript = scriptedMemberMerges(checked, old, claimed);
  const tracked = new TrackedEntries();
  const follow = (resource: ResourceName, key: AnyKey): Tracked => {
    let t = tracked.get(resource, key);
    if (!t) tracked.add((t = { resource, key, value: null }));
    return t;
  };
  const needsValueOnDelete = new Set<ResourceName>(['channel', 'role', 'emoji', 'message', 'invite']);
  const scopedClears = checked.filter((m): m is Extract<Checked, { type: 'clearFor' }> => m.type === 'clearFor' && !isGuildLocalClear(m));
  /** Resources whose in-batch writes must be followed because a scoped clear or a removeRole may rewrite them. */
  const followWrites = new Set<ResourceName>(scopedClears.map((m) => m.resource));
  /** Guild → roles that removeRole mutations strip from its members. */
  const roleScans = new Map<string, Set<string>>();
  for (let i = 0; i < checked.length; i++) {
    const m = checked[i]!;
    switch (m.type) {
      case 'merge':
        if (inScript.has(i)) break;
        if (m.resource === 'message' || m.resource === 'invite') follow(m.resource, m.key).wantsExpiry = true;
        else follow(m.resource, m.key);
        // Always follow a merged member's user: the merge rewrites it, and must write it as the batch has
        // it by then (a replace or a set of another guild's member may have changed it), not as it was read.
        // It costs no read of its own: readValues takes it from the member read.
        if (m.resource === 'member') follow('user', { userId: m.key.userId });
        break;
      case 'react':
        follow('message', m.key).wantsExpiry = true;
        break;
      case 'delete':
        if (needsValueOnDelete.has(m.resource)) follow(m.resource, m.key);
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
    if (oldAt?.has(i) && (m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react')) {
      follow(m.resource, m.key);
      // getMember joins the member with the user entry as it is then: follow the user too.
      if (m.resource === 'member') follow('user', { userId: m.key.userId });
    }
  }
  // Channels whose limit a message set of this batch applies: when the batch also reads messages (a
  // merge, a react, a delete or an old value), their indexes are read too, so the simulation evicts
  // what the index script will evict and a later mutation of the batch sees the message gone.
  const limitedChannels = new Set<string>();
  if (tracked.of('message').length > 0) {
    for (const m of checked) {
      if (m.resource !== 'message' || (m.type !== 'set' && m.type !== 'merge') || m.channelLimit === undefined) continue;
      const channelId = m.type === 'set' ? m.value.channel_id : m.upsert ? m.patch.channel_id : undefined;
      if (typeof channelId === 'string') limitedChannels.add(channelId);
    }
  }
  if (roleScans.size > 0) {
    // Members written earlier in the batch may hold the role, and the rewrite of a holder sets its user.
    followWrites.add('member');
    followWrites.add('user');
  }

  // Roles new to a guild's role dictionary, and guilds new to the store's guild dictionary, are
  // added (atomically, in Redis) while the batch pre-reads, so every member of the batch is encoded
  // with role indexes and every guild list entry with the guild's index.
  const registering = addNewIds(ctx, checked);
  registering?.catch(() => {});

  const scopeTargets = new Map<Checked, AnyKey[]>();
  /** Guild → the dictionary index of each role its removeRole mutations strip (from the pre-read). */
  const roleIndexes = new Map<string, ReadonlyMap<string, number>>();
  /** Live message ids of each limited channel's index, kept up to date by the simulation. */
  const channelMessages = new Map<string, Set<string>>();
  if (tracked.size > 0 || scopedClears.length > 0 || roleScans.size > 0) {
    await afterSettled();
    // One wave: every read below is issued in the same tick (the connection pipelines them).
    const entries = tracked.all().slice();
    const expiring = entries.filter((t) => t.wantsExpiry === true);
    const scans = [...roleScans];
    const channels = [...limitedChannels];
    const [values, expiries, found, holders, indexed] = await Promise.all([
      readValues(ctx, entries),
      Promise.all(expiring.map((t) => readExpiry(ctx, t.resource as 'message' | 'invite', t.key.messageId ?? t.key.code!))),
      Promise.all(scopedClears.map((m) => scopeKeys(ctx, m))),
      Promise.all(scans.map(([guildId, roles]) => readRoleHolders(ctx, guildId, roles))),
      Promise.all(channels.map((channelId) => liveIds(ctx, ctx.keys.messagesByChannel(channelId)))),
    ]);
    channels.forEach((channelId, i) => channelMessages.set(channelId, new Set(indexed[i])));
    entries.forEach((t, i) => (t.value = values[i]!));
    expiring.forEach((t, i) => {
      if (t.value !== null && expiries[i] !== undefined) t.expireAt = expiries[i];
    });
    scans.forEach(([guildId], i) => {
      trackHolders(tracked, guildId, holders[i]!.holders);
      roleIndexes.set(guildId, holders[i]!.indexes);
    });
    reclaimHolders(
      checked,
      inScript,
      holders.flatMap((h) => h.holders.map((holder) => holder.userId)),
    );
    // A scoped clear of messages/invites needs the values of the entries its index lists (to
    // unindex them): a second wave, only for those not read already.
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
    if (more.length > 0) {
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
  }

  if (registering) await registering;

  // Simulate and plan.
  const plan = new Plan(ctx, Date.now());
  const track = (resource: ResourceName, key: AnyKey, value: Entity | null, expireAt?: number | null): void => {
    const t = tracked.get(resource, key);
    if (t) {
      t.value = value;
      t.expireAt = expireAt;
    } else if (followWrites.has(resource) && value !== null) tracked.add({ resource, key, value, expireAt });
  };
  /**
   * A message set into a limited channel whose index was read: evict as the index script will (the
   * smallest ids beyond the limit, this message included), so later mutations of the batch find the
   * evicted ones gone.
   */
  const simulateChannelLimit = (messageId: string, value: Entity, channelLimit: number | undefined): void => {
    const ids = channelMessages.get(value.channel_id as string);
    if (ids === undefined) return;
    for (const [channelId, other] of channelMessages) if (channelId !== value.channel_id) other.delete(messageId);
    ids.add(messageId);
    if (channelLimit === undefined || ids.size <= channelLimit) return;
    for (const evicted of smallestSnowflakes(ids, ids.size - channelLimit)) {
      ids.delete(evicted);
      // A message the batch knows is deleted here, with its guild and author indexes (a later delete
      // of it would find nothing to unindex). One it does not know is left to the eviction wave.
      const t = tracked.get('message', { messageId: evicted });
      if (t?.value) deleteEntity('message', t.key, t.value);
    }
  };
  /** `ttlMs` null: a message/invite that must not expire (a merge of one stored without expiry). */
  const setEntity = (resource: ResourceName, key: AnyKey, value: Entity, ttlMs?: number | null, channelLimit?: number): void => {
    let expireAt: number | null | undefined;
    switch (resource) {
      case 'guild':
        plan.setGuild(key.guildId!, value);
        break;
      case 'member': {
        // Only a user the batch followed is known as stored; any other is written with its member.
        const stored = tracked.user(key.userId!)?.value;
        plan.setMember(key.guildId!, key.userId!, value, stored == null || !sameJson(value.user, stored));
        track('user', { userId: key.userId! }, value.user as Entity);
        break;
      }
      case 'user':
        plan.setUser(key.userId!, value, ttlMs ?? undefined);
        break;
      case 'me':
        plan.setMe(value);
        break;
      case 'message':
        expireAt = plan.setMessage(value, ttlMs ?? undefined, channelLimit);
        // Track the value first: the eviction below may be of this very message.
        track(resource, key, value, expireAt);
        simulateChannelLimit(key.messageId!, value, channelLimit);
        return;
      case 'invite':
        expireAt = plan.setInvite(value, ttlMs);
        break;
      default:
        if (isGuildHashResource(resource)) {
          const id = key.userId ?? key.channelId ?? key.roleId ?? key.emojiId!;
          plan.setChild(resource, (key.guildId ?? value.guild_id) as string, id, value);
        }
    }
    track(resource, key, value, expireAt);
  };
  /**
   * An edit or a reaction rewrites a stored message in place when it stays in the same channel,
   * guild and author and its expiry is known: one SET, no index or author-list writes and no
   * previous value to decode (they are what they were). Returns false when a full set is needed.
   */
  const rewriteMessage = (key: AnyKey, value: Entity, t: Tracked | undefined): boolean => {
    const before = t?.value;
    if (!t || !before || t.expireAt === undefined) return false;
    const authorOf = (v: Entity): unknown => (v.author as Entity | undefined)?.id;
    if (before.channel_id !== value.channel_id || before.guild_id !== value.guild_id || authorOf(before) !== authorOf(value)) return false;
    plan.rewriteMessage(value, t.expireAt);
    track('message', key, value, t.expireAt);
    return true;
  };
  const deleteEntity = (resource: ResourceName, key: AnyKey, current: Entity | null): void => {
    switch (resource) {
      case 'guild':
        plan.deleteGuild(key.guildId!);
        break;
      case 'member':
        plan.deleteMember(key.guildId!, key.userId!);
        break;
      case 'user':
        plan.deleteUser(key.userId!);
        break;
      case 'me':
        plan.deleteMe();
        break;
      case 'message':
        if (typeof current?.channel_id === 'string') channelMessages.get(current.channel_id)?.delete(key.messageId!);
        plan.deleteMessage(key.messageId!, current);
        break;
      case 'invite':
        plan.deleteInvite(key.code!, current);
        break;
      case 'presence':
      case 'voiceState':
        plan.deleteChild(resource, key.guildId!, key.userId!);
        break;
      default: {
        // Channels, roles, emojis: their guild comes from the locator (pre-read).
        const guildId = current?.guild_id as string | undefined;
        const id = key.channelId ?? key.roleId ?? key.emojiId!;
        if (guildId && isGuildHashResource(resource)) plan.deleteChild(resource, guildId, id);
      }
    }
    track(resource, key, null);
  };
  /**
   * The user a rewritten member carries: the user entry as the batch has it so far when it is
   * followed (a user set earlier in the batch must not be overwritten by the member's stale copy),
   * else the member's own.
   */
  const currentUser = (userId: string, member: Entity | null): Entity | undefined => tracked.user(userId)?.value ?? (member?.user as Entity | undefined);
  /** Channel replaces/clears passed so far, whose removed channels the guild scripts will name. */
  const pending: PendingRemoval[] = [];

  for (let i = 0; i < checked.length; i++) {
    const m = checked[i]!;
    if (oldAt !== undefined) {
      const positions = oldAt.get(i);
      if (positions !== undefined && (m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react')) {
        const value = oldValue(tracked, m.resource, m.key);
        // One copy per position: the caller may change one without affecting the others.
        for (const pos of positions) oldValues![pos] = value === undefined ? undefined : copyEntity(value);
      }
    }
    if (pending.length > 0 && 'key' in m && mustSeeCascade(pending, m, tracked.get(m.resource, m.key)?.value ?? null, oldAt?.has(i) === true))
      throw new SplitBatch(i);
    switch (m.type) {
      case 'set':
        setEntity(m.resource, m.key, m.value, m.ttlMs, m.channelLimit);
        break;
      case 'merge': {
        if (m.resource === 'member' && inScript.has(i)) {
          const user = m.patch.user as Entity | undefined;
          plan.mergeMember(m.key.guildId, m.key.userId, m.patch, user === undefined ? undefined : { ...user, id: m.key.userId });
          break;
        }
        const t = tracked.get(m.resource, m.key);
        const current = t?.value ?? null;
        if (current === null && !m.upsert) break;
        // Most merges change nothing (the author's member sent with every message): no rewrite, no
        // encoding, no Redis work. Found without building the merged entity: what the merged
        // entity would be compared with below is the stored one, already checked when it was written.
        if (
          current !== null &&
          (m.resource === 'member' ? memberMergeChangesNothing(current, m.patch, currentUser(m.key.userId, current)) : patchChangesNothing(current, m.patch))
        )
          break;
        // The key fields are the key's: an upsert fills in those the patch leaves out, and a patch whose
        // `user` lacks its id (a presence) keeps it (checkMutation rejected any that contradict the key).
        const merged: Entity = fillKeyFields(m.resource, m.key, current === null ? m.patch : { ...current, ...m.patch });
        if (m.resource === 'member') {
          const patchUser = m.patch.user as Entity | undefined;
          merged.user = { ...(currentUser(m.key.userId, current) ?? {}), ...(patchUser ?? {}), id: m.key.userId };
          if (merged.guild_id === undefined) merged.guild_id = m.key.guildId;
        }
        // An upsert must produce a storable entity: validate it like a set (TypeError before any write).
        const re = checkMutation({ type: 'set', resource: m.resource, value: merged } as Mutation, -1);
        if (re.type === 'set' && !sameKey(m.resource, re.key, m.key)) {
          throw new TypeError(`merge of ${m.resource} ${JSON.stringify(m.key)}: the patch changes the entry's key`);
        }
        if (current === null) {
          // The upsert creates the entry: it gets the mutation's ttl and channel limit, as a set would.
          setEntity(m.resource, m.key, merged, m.ttlMs, m.channelLimit);
          break;
        }
        if (m.resource === 'message' && rewriteMessage(m.key, merged, t)) break;
        // A merged message/invite keeps the expiry of the entry it rewrites (a plain set would drop it).
        const keepTtlMs = m.resource === 'message' || m.resource === 'invite' ? keptTtl(t?.expireAt, plan.now) : undefined;
        setEntity(m.resource, m.key, merged, keepTtlMs);
        break;
      }
      case 'react': {
        const t = tracked.get('message', m.key);
        if (!t || t.value === null) break;
        const reactions = applyReactionChange(t.value.reactions as Parameters<typeof applyReactionChange>[0], m.change);
        const reacted = { ...t.value, reactions };
        if (!rewriteMessage(m.key, reacted, t)) setEntity('message', m.key, reacted, keptTtl(t.expireAt, plan.now));
        break;
      }
      case 'removeRole': {
        // Stored members whose roles are in place lose the role in Redis, after the guild ops; the
        // strip leaves alone the members the batch writes, whatever their place in it, and the
        // script merges after this point strip it themselves before merging.
        const index = roleIndexes.get(m.guildId)?.get(m.roleId);
        if (index !== undefined) plan.stripRoles(m.guildId, [index]);
        // The rest, in Node: holders as the batch has them so far — pre-read ones the script can't
        // edit, and members the batch follows (its later mutations must see the role gone).
        // Snapshot first: the rewrites below add tracked users.
        const holders: Tracked[] = [];
        for (const t of tracked.inGuild('member', m.guildId)) {
          if (t.value === null) continue;
          const roles = t.value.roles;
          if (Array.isArray(roles) && roles.includes(m.roleId)) holders.push(t);
        }
        for (const t of holders) {
          const member = t.value!;
          const value: Entity = { ...member, roles: (member.roles as unknown[]).filter((r) => r !== m.roleId) };
          const user = currentUser(t.key.userId!, member);
          if (user !== undefined) value.user = user;
          setEntity('member', t.key, value);
        }
        break;
      }
      case 'delete':
        deleteEntity(m.resource, m.key, tracked.get(m.resource, m.key)?.value ?? null);
        break;
      case 'replaceForGuild': {
        if (m.resource === 'member') {
          plan.replaceMembers(
            m.guildId,
            m.values.map((v) => ({ userId: v.key.userId, value: v.value })),
          );
          for (const v of m.values) track('user', { userId: v.key.userId }, v.value.user as Entity);
        } else if (isGuildHashResource(m.resource)) {
          plan.replaceChildren(
            m.resource,
            m.guildId,
            m.values.map((v) => ({ id: 'userId' in v.key ? v.key.userId : soleId(m.resource, v.key), value: v.value })),
            i,
          );
          if (m.resource === 'channel') pending.push({ guildId: m.guildId, listed: new Set(m.values.map((v) => v.key.channelId)) });
        }
        const replacing = new Map(m.values.map((v) => [keyString(m.resource, v.key), v]));
        for (const t of tracked.of(m.resource)) {
          // A replaced entry is what the replace says, also one that was absent (no guild to match on yet).
          const replaced = replacing.get(keyString(m.resource, t.key));
          if (replaced !== undefined) t.value = replaced.value;
          else if (guildOf(t) === m.guildId) t.value = null;
        }
        if (followWrites.has(m.resource)) for (const v of m.values) track(m.resource, v.key, v.value);
        break;
      }
      case 'clearFor': {
        if (isGuildLocalClear(m)) {
          if (m.resource === 'member') plan.clearMembers(m.id);
          else if (isGuildHashResource(m.resource)) plan.clearChildren(m.resource, m.id, i);
          if (m.resource === 'channel') pending.push({ guildId: m.id, listed: new Set() });
          for (const t of tracked.of(m.resource)) if (guildOf(t) === m.id) t.value = null;
          break;
        }
        const targets = new Map<string, AnyKey>();
        for (const key of scopeTargets.get(m) ?? []) targets.set(keyString(m.resource, key), key);
        for (const t of tracked.of(m.resource)) {
          if (t.value !== null && scopeIdOf(m.resource, m.scope, t.value) === m.id) {
            targets.set(keyString(m.resource, t.key), t.key);
          }
        }
        for (const key of targets.values()) {
          const current = tracked.get(m.resource, key)?.value ?? null;
          // Messages and invites need their value to find their indexes; without one they are already gone.
          if ((m.resource === 'message' || m.resource === 'invite') && current === null) continue;
          // Listed under the scope before the batch, but moved out of it by an earlier mutation of the batch.
          if (current !== null && scopeIdOf(m.resource, m.scope, current) !== m.id) continue;
          deleteEntity(m.resource, key, current);
        }
        break;
      }
    }
  }
  await afterSettled();
  await plan.execute();
  removals.push(...plan.removedChannels);
  return oldValues;
}

/**
 * An entry as its `get*` would return it at this point of the simulation (undefined: absent):
 * a member is joined with its user entry as the batch has it (a user carrying only its id when
 * that entry is gone, as `getMember` answers).
 */
function oldValue(tracked: TrackedEntries, resource: ResourceName, key: AnyKey): Entity | undefined {
  const value = tracked.get(resource, key)?.value ?? null;
  if (value === null) return undefined;
  if (resource !== 'member') return value;
  const user = tracked.user(key.userId!)?.value ?? null;
  return { ...value, user: user ?? { id: key.userId! } };
}

/**
 * Plan again ({@link Reclaim}) when a removeRole's pre-read found holders (members Node rewrites
 * itself: their roles are not where the strip script edits them) whose users have script merges:
 * Node's rewrite is from the value read before the batch, and would undo those merges.
 */
function reclaimHolders(checked: readonly Checked[], inScript: ReadonlySet<number>, holderUsers: readonly string[]): void {
  if (inScript.size === 0 || holderUsers.length === 0) return;
  const holders = new Set(holderUsers);
  const users = new Set<string>();
  for (const i of inScript) {
    const m = checked[i]!;
    if (m.type === 'merge' && m.resource === 'member' && holders.has(m.key.userId)) users.add(m.key.userId);
  }
  if (users.size > 0) throw new Reclaim(users);
}

/** Follow the role holders a removeRole pre-read found (entries already followed keep their own read). */
function trackHolders(tracked: TrackedEntries, guildId: string, holders: readonly RoleHolder[]): void {
  for (const h of holders) {
    const key = { guildId, userId: h.userId };
    if (!tracked.get('member', key)) tracked.add({ resource: 'member', key, value: h.member });
    if (!tracked.user(h.userId)) tracked.add({ resource: 'user', key: { userId: h.userId }, value: h.user });
  }
}
