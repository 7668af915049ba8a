/**
 * What each mutation does, in one module: a line-by-line port of MemoryCache's
 * write semantics (packages/memory/src/memory-cache.ts), run on the
 * {@link OverlayTable}s of one batch instead of on process memory. When the
 * contract changes, MemoryCache and this file change together; the plan
 * (plan.ts) says what each mutation needs loaded.
 */
import {
  fillKeyFields,
  applyReactionChange,
  CHANNEL_CHILD_RESOURCES,
  scopeIdOf,
  smallestSnowflakes,
  type CheckedMutation,
  type ReactionChange,
  type ResourceName,
} from '@sake/abc';
import { joinMember, storedMember, type Entity } from './codec.js';
import { OverlayTable, type ParentReader } from './overlay.js';

/** Every table of one batch. */
export type Tables = { readonly [R in ResourceName]: OverlayTable };

/** The key an entry is stored under (the table's `k`), from its checked key. */
export function storeKey(resource: ResourceName, key: Record<string, string>): string {
  switch (resource) {
    case 'member':
    case 'presence':
    case 'voiceState':
      return `${key.guildId}/${key.userId}`;
    case 'me':
      return 'me';
    default:
      return Object.values(key)[0]!;
  }
}

function scoped(resource: 'channel' | 'emoji' | 'role' | 'presence' | 'voiceState' | 'message' | 'invite', scopes: string[]): Record<string, ParentReader> {
  const readers: Record<string, ParentReader> = {};
  for (const scope of scopes) readers[scope] = (value) => scopeIdOf(resource, scope as never, value as never);
  return readers;
}

/** Fresh, empty overlay tables for one batch (the parent readers are MemoryCache's). */
export function newTables(schema: string, now: number): Tables {
  const table = (resource: ResourceName, readers: Record<string, ParentReader>): OverlayTable => new OverlayTable(schema, resource, readers, now);
  return {
    guild: table('guild', {}),
    channel: table('channel', scoped('channel', ['guild'])),
    emoji: table('emoji', scoped('emoji', ['guild'])),
    role: table('role', scoped('role', ['guild'])),
    member: table('member', { guild: (m) => m.guild_id as string, user: (m) => (m.user as Entity).id as string }),
    presence: table('presence', scoped('presence', ['guild', 'user'])),
    voiceState: table('voiceState', scoped('voiceState', ['guild', 'channel'])),
    message: table('message', scoped('message', ['guild', 'channel', 'author'])),
    invite: table('invite', scoped('invite', ['guild', 'channel'])),
    user: table('user', {}),
    me: table('me', {}),
  };
}

/** The mutation types whose old value `ApplyOptions.old` may ask for. */
export const REPORTABLE: ReadonlySet<CheckedMutation['type']> = new Set(['set', 'merge', 'delete', 'react']);

/** The key a set/merge/delete/react is about, or `undefined` for the others. */
export function targetKey(m: CheckedMutation): string | undefined {
  return m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react' ? storeKey(m.resource, m.key) : undefined;
}

/** Applies mutations to a batch's tables, as MemoryCache applies them to its stores. */
export class Semantics {
  readonly #t: Tables;
  readonly #now: number;
  readonly #userTtlMs: number | undefined;

  constructor(tables: Tables, now: number, userTtlMs: number | undefined) {
    this.#t = tables;
    this.#now = now;
    this.#userTtlMs = userTtlMs;
  }

  /** The entry a set/merge/delete/react is about, as its `get*` would return it now, or `undefined`. */
  current(m: CheckedMutation): Entity | undefined {
    const key = targetKey(m);
    if (key === undefined) return undefined;
    const stored = this.#t[m.resource].get(key);
    if (stored === undefined) return undefined;
    if (m.resource !== 'member') return stored;
    return joinMember(stored, this.#t.user.get((stored.user as Entity).id as string));
  }

  /** Apply one mutation. */
  apply(m: CheckedMutation): void {
    switch (m.type) {
      case 'set':
        this.#set(m.resource, m.value, m.ttlMs, m.channelLimit);
        return;
      case 'merge':
        this.#merge(m.resource, m.key, m.patch, m.upsert, m.ttlMs, m.channelLimit);
        return;
      case 'react':
        this.#react(m.key.messageId, m.change);
        return;
      case 'removeRole':
        this.#removeRole(m.guildId, m.roleId);
        return;
      case 'delete':
        this.#delete(m.resource, storeKey(m.resource, m.key));
        return;
      case 'replaceForGuild': {
        const table = this.#t[m.resource];
        const keep = new Set(m.values.map((v) => storeKey(m.resource, v.key)));
        for (const key of table.keysFor('guild', m.guildId)) if (!keep.has(key)) this.#delete(m.resource, key);
        for (const v of m.values) this.#set(m.resource, v.value);
        return;
      }
      case 'clearFor': {
        for (const key of this.#t[m.resource].keysFor(m.scope, m.id)) this.#delete(m.resource, key);
        return;
      }
    }
  }

  #set(resource: ResourceName, value: Entity, ttlMs?: number, channelLimit?: number): void {
    const key = storeKey(resource, keyFields(resource, value));
    const expiresAt = ttlMs !== undefined ? this.#now + ttlMs : undefined;
    if (resource === 'member') {
      const { member, user } = storedMember(value);
      this.#t.user.set(user.id as string, user);
      this.#t.member.set(key, member, expiresAt);
      return;
    }
    if (resource === 'user') {
      // A user a cached member refers to never expires (only asked when there is an expiry to give).
      const referenced = expiresAt !== undefined && this.#t.member.countFor('user', key) > 0;
      this.#t.user.set(key, value, referenced ? undefined : expiresAt);
      return;
    }
    this.#t[resource].set(key, value, expiresAt);
    if (resource === 'message' && channelLimit !== undefined) this.#trimChannel(value.channel_id as string, channelLimit);
  }

  /** Keep only the newest `limit` live messages (by id) of a channel: an expired one is gone, and does not count. */
  #trimChannel(channelId: string, limit: number): void {
    const table = this.#t.message;
    // liveParent() drops an expired entry first.
    const keys = table.keysFor('channel', channelId).filter((k) => table.liveParent(k, 'channel') !== undefined);
    if (keys.length <= limit) return;
    for (const key of smallestSnowflakes(keys, keys.length - limit)) table.delete(key);
  }

  #merge(resource: ResourceName, key: Record<string, string>, patch: Entity, upsert: boolean, ttlMs?: number, channelLimit?: number): void {
    const k = storeKey(resource, key);
    const table = this.#t[resource];
    const current = table.get(k);
    if (current === undefined) {
      if (!upsert) return;
      // The key fields win over whatever the patch says, so an upsert can't land under another key.
      const created: Entity = fillKeyFields(resource, key, patch);
      // A member's user is merged into the cached user (the member is new, its user may not be).
      if (resource === 'member') created.user = { ...this.#t.user.get(key.userId!), ...(created.user as object) };
      this.#set(resource, created, ttlMs, channelLimit);
      return;
    }
    if (resource === 'member') {
      const { user: userPatch, ...rest } = patch as { user?: Entity };
      if (userPatch !== undefined) {
        const user = this.#t.user.get(key.userId!) ?? { id: key.userId! };
        this.#t.user.set(key.userId!, { ...user, ...userPatch, id: key.userId! }, undefined);
      }
      table.update(k, { ...current, ...rest, guild_id: key.guildId, user: { id: key.userId } });
      return;
    }
    // update() keeps the expiry: ttlMs/channelLimit only apply when the merge creates the entry.
    // The key fields are the key's; a presence patch without `user` keeps the stored one (as MemoryCache).
    table.update(k, fillKeyFields(resource, key, { ...current, ...patch }));
  }

  /** Count a reaction change into a cached message; an absent message stays absent, a present one keeps its expiry. */
  #react(messageId: string, change: ReactionChange): void {
    const table = this.#t.message;
    const current = table.get(messageId);
    if (current === undefined) return;
    table.update(messageId, { ...current, reactions: applyReactionChange(current.reactions as never, change) });
  }

  /** Take `roleId` out of the guild's members that have it (the plan loaded every member of the guild holding it). */
  #removeRole(guildId: string, roleId: string): void {
    const table = this.#t.member;
    for (const key of table.loadedWithData('guild', guildId)) {
      const member = table.get(key);
      // A member upserted from a partial patch may have no roles array at all.
      if (member === undefined || !Array.isArray(member.roles) || !member.roles.includes(roleId)) continue;
      table.update(key, { ...member, roles: (member.roles as string[]).filter((r) => r !== roleId) });
    }
  }

  #delete(resource: ResourceName, key: string): void {
    if (resource === 'channel') {
      this.#t.channel.delete(key);
      // The channel cascade (see @sake/abc mutations.ts): the plan loaded the channel's children.
      for (const child of CHANNEL_CHILD_RESOURCES) for (const k of this.#t[child].keysFor('channel', key)) this.#t[child].delete(k);
      return;
    }
    if (resource !== 'member') {
      this.#t[resource].delete(key);
      return;
    }
    const member = this.#t.member.liveParent(key, 'user');
    this.#t.member.delete(key);
    const ttl = this.#userTtlMs;
    const userId = member?.parent;
    if (userId !== undefined && ttl !== undefined && this.#t.member.countFor('user', userId) === 0) {
      this.#t.user.setExpiry(userId, this.#now + ttl);
    }
  }
}

/** The checked key of an entity (its ids were checked by `checkMutation`). */
function keyFields(resource: ResourceName, value: Entity): Record<string, string> {
  const v = value as Entity & { user?: { id?: string } };
  switch (resource) {
    case 'member':
    case 'presence':
      return { guildId: v.guild_id as string, userId: v.user!.id! };
    case 'voiceState':
      return { guildId: v.guild_id as string, userId: v.user_id as string };
    case 'invite':
      return { code: v.code as string };
    case 'me':
      return {};
    default:
      return { id: v.id as string };
  }
}
