/**
 * The simulation: a batch replayed in order over the pre-read entries (so a
 * merge after a set in the same batch sees the set), turning every mutation
 * into plain ops of a {@link Plan}: a react becomes a set of the message, a
 * removeRole an in-place strip in Redis (and sets of the holders the batch
 * follows or the script can't edit). Old values are copied out just before
 * their mutation.
 */
import { applyReactionChange, copyEntity, fillKeyFields, scopeIdOf, smallestSnowflakes, type Mutation, type ResourceName } from '@sake/abc';
import { mustSeeCascade, SplitBatch, type PendingRemoval } from './cascade.js';
import { keptTtl, memberMergeChangesNothing, patchChangesNothing, sameJson } from './compare.js';
import { isGuildHashResource, type Plan } from './plan.js';
import type { OldSink } from './guild-ops.js';
import type { PreRead } from './pre-read.js';
import { guildOf, isGuildLocalClear, oldValue, sameKey, type Tracked } from './tracked.js';
import { checkMutation, keyString, soleId, type AnyKey, type Checked, type Entity } from './validate.js';

type Of<T extends Checked['type']> = Extract<Checked, { type: T }>;

/** A member replace's values with each user once, at its last value: MemoryCache stores the last and counts the member once. */
function lastOfEach<T extends { key: { userId: string } }>(values: readonly T[]): readonly T[] {
  const last = new Map<string, number>();
  values.forEach((v, i) => last.set(v.key.userId, i));
  return last.size === values.length ? values : values.filter((v, i) => last.get(v.key.userId) === i);
}

/** One batch's simulation over its pre-read entries, planning into `plan`. */
export class Simulation {
  /** Channel replaces/clears passed so far, whose removed channels the guild scripts will name. */
  readonly #pending: PendingRemoval[] = [];

  /**
   * @param plan - where the ops go
   * @param r - the pre-read (its entries are updated as the batch goes)
   * @param inScript - batch indexes of the member merges the scripts run
   */
  constructor(
    private readonly plan: Plan,
    private readonly r: PreRead,
    private readonly inScript: ReadonlySet<number>,
  ) {}

  /**
   * Replay the batch. `oldAt`: batch index → positions in `oldValues` that want that mutation's old
   * value. Throws {@link SplitBatch} (nothing planned is written) when a mutation must see a
   * cascade that comes only after the guild ops.
   */
  run(
    checked: readonly Checked[],
    oldAt: ReadonlyMap<number, number[]> | undefined,
    oldValues: unknown[] | undefined,
    sinks?: ReadonlyMap<number, OldSink>,
  ): void {
    const tracked = this.r.tracked;
    for (let i = 0; i < checked.length; i++) {
      const m = checked[i]!;
      const positions = oldAt?.get(i);
      // A reported old value: the mutation's guild op hands it to its sink (reply-old.ts).
      this.#sink = sinks?.get(i);
      if (this.#sink === undefined && positions !== undefined && (m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react')) {
        const value = oldValue(tracked, m.resource, m.key);
        // One copy per position: the caller may change one without affecting the others.
        for (const pos of positions) oldValues![pos] = value === undefined ? undefined : copyEntity(value);
      }
      if (this.#pending.length > 0 && 'key' in m && mustSeeCascade(this.#pending, m, tracked.get(m.resource, m.key)?.value ?? null, oldAt?.has(i) === true))
        throw new SplitBatch(i);
      this.#step(m, i);
      if (this.#sink !== undefined) throw new Error(`sake internal: batch[${i}]'s guild op took no old-value sink`);
    }
  }

  /** The sink of the mutation being replayed, for its guild op (taken once). */
  #sink: OldSink | undefined;

  #takeSink(): OldSink | undefined {
    const sink = this.#sink;
    this.#sink = undefined;
    return sink;
  }

  #step(m: Checked, i: number): void {
    switch (m.type) {
      case 'set':
        this.#setEntity(m.resource, m.key, m.value, m.ttlMs, m.channelLimit);
        break;
      case 'merge':
        this.#merge(m, i);
        break;
      case 'react':
        this.#react(m);
        break;
      case 'removeRole':
        this.#removeRole(m);
        break;
      case 'delete':
        this.#deleteEntity(m.resource, m.key, this.r.tracked.get(m.resource, m.key)?.value ?? null);
        break;
      case 'replaceForGuild':
        this.#replaceForGuild(m, i);
        break;
      case 'clearFor':
        this.#clearFor(m, i);
        break;
    }
  }

  #track(resource: ResourceName, key: AnyKey, value: Entity | null, expireAt?: number | null): void {
    const t = this.r.tracked.get(resource, key);
    if (t) {
      t.value = value;
      t.expireAt = expireAt;
    } else if (this.r.followWrites.has(resource) && value !== null) this.r.tracked.add({ resource, key, value, expireAt });
  }

  /**
   * A message set into a limited channel whose index was read: evict as the index script will (the
   * smallest ids beyond the limit, this message included), so later mutations of the batch find the
   * evicted ones gone.
   */
  #simulateChannelLimit(messageId: string, value: Entity, channelLimit: number | undefined): void {
    const ids = this.r.channelMessages.get(value.channel_id as string);
    if (ids === undefined) return;
    // forEach, not for…of: no [key, value] array per channel for every message set.
    this.r.channelMessages.forEach((other, channelId) => {
      if (channelId !== value.channel_id) other.delete(messageId);
    });
    ids.add(messageId);
    if (channelLimit === undefined || ids.size <= channelLimit) return;
    for (const evicted of smallestSnowflakes(ids, ids.size - channelLimit)) {
      ids.delete(evicted);
      // A message the batch knows is deleted here, with its guild and author indexes (a later delete
      // of it would find nothing to unindex). One it does not know is left to the eviction wave.
      const t = this.r.tracked.get('message', { messageId: evicted });
      if (t?.value) this.#deleteEntity('message', t.key, t.value);
    }
  }

  /** `ttlMs` null: a message/invite that must not expire (a merge of one stored without expiry), a user that keeps its deadline. */
  #setEntity(resource: ResourceName, key: AnyKey, value: Entity, ttlMs?: number | null, channelLimit?: number): void {
    const plan = this.plan;
    let expireAt: number | null | undefined;
    switch (resource) {
      case 'guild':
        plan.setGuild(key.guildId!, value, this.#takeSink());
        break;
      case 'member': {
        // Only a user the batch followed is known as stored; any other is written with its member.
        const stored = this.r.tracked.user(key.userId!)?.value;
        plan.setMember(key.guildId!, key.userId!, value, stored == null || !sameJson(value.user, stored));
        this.#track('user', { userId: key.userId! }, value.user as Entity);
        break;
      }
      case 'user':
        plan.setUser(key.userId!, value, ttlMs);
        break;
      case 'me':
        plan.setMe(value);
        break;
      case 'message':
        expireAt = plan.messages.setMessage(value, ttlMs ?? undefined, channelLimit);
        // Track the value first: the eviction below may be of this very message.
        this.#track(resource, key, value, expireAt);
        this.#simulateChannelLimit(key.messageId!, value, channelLimit);
        return;
      case 'invite':
        expireAt = plan.messages.setInvite(value, ttlMs);
        break;
      default:
        if (isGuildHashResource(resource)) {
          const id = key.userId ?? key.channelId ?? key.roleId ?? key.emojiId!;
          plan.setChild(resource, (key.guildId ?? value.guild_id) as string, id, value, this.#takeSink());
        }
    }
    this.#track(resource, key, value, expireAt);
  }

  /**
   * An edit or a reaction rewrites a stored message in place when it stays in the same channel,
   * guild and author and its expiry is known: one SET, no index or author-list writes and no
   * previous value to decode (they are what they were). Returns false when a full set is needed.
   */
  #rewriteMessage(key: AnyKey, value: Entity, t: Tracked | undefined): boolean {
    const before = t?.value;
    if (!t || !before || t.expireAt === undefined) return false;
    const authorOf = (v: Entity): unknown => (v.author as Entity | undefined)?.id;
    if (before.channel_id !== value.channel_id || before.guild_id !== value.guild_id || authorOf(before) !== authorOf(value)) return false;
    this.plan.messages.rewriteMessage(value, t.expireAt);
    this.#track('message', key, value, t.expireAt);
    return true;
  }

  #deleteEntity(resource: ResourceName, key: AnyKey, current: Entity | null): void {
    const plan = this.plan;
    switch (resource) {
      case 'guild':
        plan.deleteGuild(key.guildId!, this.#takeSink());
        break;
      case 'member':
        plan.deleteMember(key.guildId!, key.userId!, this.#takeSink());
        break;
      case 'user':
        plan.deleteUser(key.userId!);
        break;
      case 'me':
        plan.deleteMe();
        break;
      case 'message':
        if (typeof current?.channel_id === 'string') this.r.channelMessages.get(current.channel_id)?.delete(key.messageId!);
        plan.messages.deleteMessage(key.messageId!, current);
        break;
      case 'invite':
        plan.messages.deleteInvite(key.code!, current);
        break;
      case 'presence':
      case 'voiceState':
        plan.deleteChild(resource, key.guildId!, key.userId!, this.#takeSink());
        break;
      default: {
        // Channels, roles, emojis: their guild comes from the locator (pre-read).
        const guildId = current?.guild_id as string | undefined;
        const id = key.channelId ?? key.roleId ?? key.emojiId!;
        if (guildId && isGuildHashResource(resource)) plan.deleteChild(resource, guildId, id);
      }
    }
    this.#track(resource, key, null);
  }

  /**
   * The user a rewritten member carries: the user entry as the batch has it so far when it is
   * followed (a user set earlier in the batch must not be overwritten by the member's stale copy,
   * nor one it deleted come back from it), else the member's own.
   */
  #currentUser(userId: string, member: Entity | null): Entity | undefined {
    const followed = this.r.tracked.user(userId);
    if (followed !== undefined) return followed.value ?? undefined;
    return member?.user as Entity | undefined;
  }

  /**
   * Rewrite a stored member and leave its user entry as it is (a merge without a user patch, a role
   * removal): as MemoryCache does, which touches the user only to merge a patch's `user` into it.
   */
  #rewriteMember(key: AnyKey, value: Entity): void {
    this.plan.setMember(key.guildId!, key.userId!, value, false);
    this.#track('member', key, value);
  }

  #merge(m: Of<'merge'>, i: number): void {
    if (m.resource === 'member' && this.inScript.has(i)) {
      const user = m.patch.user as Entity | undefined;
      this.plan.mergeMember(m.key.guildId, m.key.userId, m.patch, user === undefined ? undefined : { ...user, id: m.key.userId }, this.#takeSink());
      return;
    }
    const t = this.r.tracked.get(m.resource, m.key);
    const current = t?.value ?? null;
    if (current === null && !m.upsert) return;
    // Most merges change nothing (the author's member sent with every message): no rewrite, no
    // encoding, no Redis work. Found without building the merged entity: what the merged
    // entity would be compared with below is the stored one, already checked when it was written.
    if (
      current !== null &&
      (m.resource === 'member' ? memberMergeChangesNothing(current, m.patch, this.#currentUser(m.key.userId, current)) : patchChangesNothing(current, m.patch))
    )
      return;
    const merged = this.#merged(m, current);
    if (current === null) {
      // The upsert creates the entry: it gets the mutation's ttl and channel limit, as a set would.
      this.#setEntity(m.resource, m.key, merged, m.ttlMs, m.channelLimit);
      return;
    }
    if (m.resource === 'message' && this.#rewriteMessage(m.key, merged, t)) return;
    if (m.resource === 'member' && m.patch.user === undefined) {
      this.#rewriteMember(m.key, merged);
      return;
    }
    // A merged message/invite keeps the expiry of the entry it rewrites (a plain set would drop it);
    // a user keeps its orphan deadline, which only Redis knows.
    const keepTtlMs = m.resource === 'message' || m.resource === 'invite' ? keptTtl(t?.expireAt, this.plan.now) : m.resource === 'user' ? null : undefined;
    this.#setEntity(m.resource, m.key, merged, keepTtlMs);
  }

  /** The entity a merge produces, checked like a set (TypeError before any write). */
  #merged(m: Of<'merge'>, current: Entity | null): Entity {
    // The key fields are the key's: an upsert fills in those the patch leaves out, and a patch whose
    // `user` lacks its id (a presence) keeps it (checkMutation rejected any that contradict the key).
    const merged: Entity = fillKeyFields(m.resource, m.key, current === null ? m.patch : { ...current, ...m.patch });
    if (m.resource === 'member') {
      const patchUser = m.patch.user as Entity | undefined;
      merged.user = { ...(this.#currentUser(m.key.userId, current) ?? {}), ...(patchUser ?? {}), id: m.key.userId };
      if (merged.guild_id === undefined) merged.guild_id = m.key.guildId;
    }
    // An upsert must produce a storable entity: validate it like a set.
    const re = checkMutation({ type: 'set', resource: m.resource, value: merged } as Mutation, -1);
    if (re.type === 'set' && !sameKey(m.resource, re.key, m.key)) {
      throw new TypeError(`merge of ${m.resource} ${JSON.stringify(m.key)}: the patch changes the entry's key`);
    }
    return merged;
  }

  #react(m: Of<'react'>): void {
    const t = this.r.tracked.get('message', m.key);
    if (!t || t.value === null) return;
    const reactions = applyReactionChange(t.value.reactions as Parameters<typeof applyReactionChange>[0], m.change);
    const reacted = { ...t.value, reactions };
    if (!this.#rewriteMessage(m.key, reacted, t)) this.#setEntity('message', m.key, reacted, keptTtl(t.expireAt, this.plan.now));
  }

  #removeRole(m: Of<'removeRole'>): void {
    // Stored members whose roles are in place lose the role in Redis, after the guild ops; the
    // strip leaves alone the members the batch writes, whatever their place in it, and the
    // script merges after this point strip it themselves before merging.
    const index = this.r.roleIndexes.get(m.guildId)?.get(m.roleId);
    if (index !== undefined) this.plan.stripRoles(m.guildId, [index]);
    // The rest, in Node: holders as the batch has them so far — pre-read ones the script can't
    // edit, and members the batch follows (its later mutations must see the role gone).
    // Snapshot first: the rewrites below add tracked users.
    const holders: Tracked[] = [];
    for (const t of this.r.tracked.inGuild('member', m.guildId)) {
      if (t.value === null) continue;
      const roles = t.value.roles;
      if (Array.isArray(roles) && roles.includes(m.roleId)) holders.push(t);
    }
    for (const t of holders) {
      const member = t.value!;
      const value: Entity = { ...member, roles: (member.roles as unknown[]).filter((r) => r !== m.roleId) };
      const user = this.#currentUser(t.key.userId!, member);
      if (user !== undefined) value.user = user;
      this.#rewriteMember(t.key, value);
    }
  }

  #replaceForGuild(m: Of<'replaceForGuild'>, i: number): void {
    const plan = this.plan;
    if (m.resource === 'member') {
      plan.replaceMembers(
        m.guildId,
        lastOfEach(m.values).map((v) => ({ userId: v.key.userId, value: v.value })),
      );
      for (const v of m.values) this.#track('user', { userId: v.key.userId }, v.value.user as Entity);
    } else if (isGuildHashResource(m.resource)) {
      plan.replaceChildren(
        m.resource,
        m.guildId,
        m.values.map((v) => ({ id: 'userId' in v.key ? v.key.userId : soleId(m.resource, v.key), value: v.value })),
        i,
      );
      if (m.resource === 'channel') this.#pending.push({ guildId: m.guildId, listed: new Set(m.values.map((v) => v.key.channelId)) });
    }
    const replacing = new Map(m.values.map((v) => [keyString(m.resource, v.key), v]));
    for (const t of this.r.tracked.of(m.resource)) {
      // A replaced entry is what the replace says, also one that was absent (no guild to match on yet).
      const replaced = replacing.get(keyString(m.resource, t.key));
      if (replaced !== undefined) t.value = replaced.value;
      else if (guildOf(t) === m.guildId) t.value = null;
    }
    if (this.r.followWrites.has(m.resource)) for (const v of m.values) this.#track(m.resource, v.key, v.value);
  }

  #clearFor(m: Of<'clearFor'>, i: number): void {
    const tracked = this.r.tracked;
    if (isGuildLocalClear(m)) {
      if (m.resource === 'member') this.plan.clearMembers(m.id);
      else if (isGuildHashResource(m.resource)) this.plan.clearChildren(m.resource, m.id, i);
      if (m.resource === 'channel') this.#pending.push({ guildId: m.id, listed: new Set() });
      for (const t of tracked.of(m.resource)) if (guildOf(t) === m.id) t.value = null;
      return;
    }
    const targets = new Map<string, AnyKey>();
    for (const key of this.r.scopeTargets.get(m) ?? []) targets.set(keyString(m.resource, key), key);
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
      this.#deleteEntity(m.resource, key, current);
    }
  }
}
