/**
 * MemoryCache's data and the standard's write semantics on it: what each
 * checked mutation does to the stores and their indexes, the channel
 * cascade, user retention, and the old values a batch reports.
 */
import {
  CHANNEL_CHILD_RESOURCES,
  RESOURCE_SCOPES,
  applyReactionChange,
  copyEntity,
  fillKeyFields,
  scopeIdOf,
  smallestSnowflakes,
  type CheckedKey,
  type CheckedMerge,
  type CheckedMutation,
  type EmojiEntity,
  type EntityMap,
  type GuildChannelEntity,
  type GuildEntity,
  type InviteEntity,
  type MeEntity,
  type MemberEntity,
  type MessageEntity,
  type Mutation,
  type PresenceEntity,
  type ReactionChange,
  type ResourceName,
  type RoleEntity,
  type UserEntity,
  type VoiceStateEntity,
} from '@sake/abc';
import { IndexedStore, type ScopeReader } from './store.js';

/** A member as stored: without its user, which lives in the user store. */
export type StoredMember = Omit<MemberEntity, 'user'> & { user: { id: string } };

/** What each resource's store holds. */
export type Stored = { [R in ResourceName]: R extends 'member' ? StoredMember : EntityMap[R] };

/** The key the one `me` entry is filed under. */
export const ME_KEY = 'me';

/** The mutation types whose old value `ApplyOptions.old` may ask for. */
const REPORTABLE: ReadonlySet<Mutation['type']> = new Set(['set', 'merge', 'delete', 'react']);

/** The string a store files an entry under, from its key. */
export function storeKey(resource: ResourceName, key: CheckedKey): string {
  switch (resource) {
    case 'member':
    case 'presence':
    case 'voiceState':
      return `${key.guildId}/${key.userId}`;
    case 'me':
      return ME_KEY;
    default:
      return Object.values(key)[0]!;
  }
}

/** The index readers of a resource: one per scope it has, each reading the parent id with abc's `scopeIdOf`. */
function scoped<R extends 'channel' | 'emoji' | 'role' | 'presence' | 'voiceState' | 'message' | 'invite'>(
  resource: R,
): Record<string, ScopeReader<EntityMap[R]>> {
  const readers: Record<string, ScopeReader<EntityMap[R]>> = {};
  for (const scope of RESOURCE_SCOPES[resource]) readers[scope] = (value) => scopeIdOf(resource, scope, value);
  return readers;
}

/** The stores of every resource, and the write semantics. */
export class MemoryState {
  readonly #now: () => number;
  readonly #userTtlMs: number | undefined;
  readonly #stores: { [R in ResourceName]: IndexedStore<Stored[R]> };

  /**
   * @param now - the clock expiry is measured with
   * @param userTtlMs - how long a user stays after its last member goes (undefined: until deleted)
   */
  constructor(now: () => number, userTtlMs: number | undefined) {
    this.#now = now;
    this.#userTtlMs = userTtlMs;
    this.#stores = {
      guild: new IndexedStore<GuildEntity>({}, now),
      channel: new IndexedStore<GuildChannelEntity>(scoped('channel'), now),
      emoji: new IndexedStore<EmojiEntity>(scoped('emoji'), now),
      role: new IndexedStore<RoleEntity>(scoped('role'), now),
      member: new IndexedStore<StoredMember>({ guild: (m) => m.guild_id, user: (m) => m.user.id }, now),
      presence: new IndexedStore<PresenceEntity>(scoped('presence'), now),
      voiceState: new IndexedStore<VoiceStateEntity>(scoped('voiceState'), now),
      message: new IndexedStore<MessageEntity>(scoped('message'), now),
      invite: new IndexedStore<InviteEntity>(scoped('invite'), now),
      user: new IndexedStore<UserEntity>({}, now),
      me: new IndexedStore<MeEntity>({}, now),
    };
  }

  /** The store of one resource. */
  store<R extends ResourceName>(resource: R): IndexedStore<Stored[R]> {
    return this.#stores[resource];
  }

  /**
   * Apply checked mutations in order; with `wanted` (indexes checked by
   * {@link checkOld}), return the listed entries as they were just before
   * their mutation (copies; an index listed twice gets two).
   */
  apply(checked: readonly CheckedMutation[], wanted?: readonly number[]): unknown[] | undefined {
    if (wanted === undefined || wanted.length === 0) {
      for (const m of checked) this.#applyOne(m);
      return wanted === undefined ? undefined : [];
    }
    const reported = new Set(wanted);
    const found = new Map<number, unknown>();
    for (let i = 0; i < checked.length; i++) {
      const m = checked[i]!;
      if (reported.has(i)) found.set(i, this.#current(m));
      this.#applyOne(m);
    }
    const given = new Set<number>();
    return wanted.map((i) => {
      const value = found.get(i);
      if (!given.has(i)) {
        given.add(i);
        return value;
      }
      return copyEntity(value);
    });
  }

  /** The indexes of `options.old`, each checked to name a set/merge/delete/react of the batch (a `TypeError` otherwise). */
  checkOld(batch: readonly CheckedMutation[], wanted: readonly number[]): void {
    if (!Array.isArray(wanted)) throw new TypeError('options.old must be an array of batch indexes');
    // Array.isArray made the elements `any`; the declared type was right.
    for (const i of wanted as readonly number[]) {
      const m = Number.isInteger(i) ? batch[i] : undefined;
      if (m === undefined) throw new TypeError(`options.old: ${String(i)} is not an index of the batch (length ${batch.length})`);
      if (!REPORTABLE.has(m.type)) throw new TypeError(`options.old: batch[${i}] is a ${m.type} mutation, which has no old value`);
    }
  }

  /** The entry a set/merge/delete/react mutation is about, as its `get*` would return it now (a copy), or `undefined`. */
  #current(m: CheckedMutation): unknown {
    if (m.type !== 'set' && m.type !== 'merge' && m.type !== 'delete' && m.type !== 'react') return undefined;
    const stored = this.#stores[m.resource].get(storeKey(m.resource, m.key));
    return stored === undefined ? undefined : this.read(m.resource, stored);
  }

  #applyOne(m: CheckedMutation): void {
    switch (m.type) {
      case 'set':
        this.#set(m.resource, m.key, copyEntity(m.value), m.ttlMs, m.channelLimit);
        return;
      case 'merge':
        this.#merge(m, copyEntity(m.patch));
        return;
      case 'react':
        this.#react(m.key.messageId, copyEntity(m.change));
        return;
      case 'removeRole':
        this.#removeRole(m.guildId, m.roleId);
        return;
      case 'delete':
        this.delete(m.resource, storeKey(m.resource, m.key));
        return;
      case 'replaceForGuild': {
        const store = this.#stores[m.resource] as IndexedStore<unknown>;
        const keep = new Set(m.values.map((v) => storeKey(m.resource, v.key)));
        for (const key of store.keysFor('guild', m.guildId)) if (!keep.has(key)) this.delete(m.resource, key);
        for (const v of m.values) this.#set(m.resource, v.key, copyEntity(v.value));
        return;
      }
      case 'clearFor': {
        const store = this.#stores[m.resource] as IndexedStore<unknown>;
        for (const key of store.keysFor(m.scope, m.id)) this.delete(m.resource, key);
        return;
      }
    }
  }

  /** Store a checked entity (`value`, whose ids `checkMutation` checked, under `key`). */
  #set(resource: ResourceName, key: CheckedKey, value: Readonly<Record<string, unknown>>, ttlMs?: number, channelLimit?: number): void {
    const k = storeKey(resource, key);
    const expiresAt = ttlMs !== undefined ? this.#now() + ttlMs : undefined;
    if (resource === 'member') {
      // checkMutation made sure a member carries its user object.
      const { user, ...member } = value as unknown as MemberEntity;
      this.#stores.user.set(user.id, user);
      this.#stores.member.set(k, { ...member, user: { id: user.id } }, expiresAt);
      return;
    }
    if (resource === 'user') {
      // A user a member refers to never expires (SetMutation.ttlMs).
      const referenced = this.#stores.member.countFor('user', k) > 0;
      this.#stores.user.set(k, value as unknown as UserEntity, referenced ? undefined : expiresAt);
      return;
    }
    (this.#stores[resource] as IndexedStore<unknown>).set(k, value, expiresAt);
    if (resource === 'message' && channelLimit !== undefined) this.#trimChannel(value.channel_id as string, channelLimit);
  }

  /** Keep only the newest `limit` live messages (by id) of a channel: an expired one is gone, and does not count. */
  #trimChannel(channelId: string, limit: number): void {
    const store = this.#stores.message;
    // get() drops an expired entry (from the index too).
    const keys = store.keysFor('channel', channelId).filter((k) => store.get(k) !== undefined);
    if (keys.length <= limit) return;
    for (const key of smallestSnowflakes(keys, keys.length - limit)) store.delete(key);
  }

  #merge(m: CheckedMerge, patch: Record<string, unknown>): void {
    const k = storeKey(m.resource, m.key);
    const store = this.#stores[m.resource] as unknown as IndexedStore<Record<string, unknown>>;
    const current = store.get(k);
    if (current === undefined) {
      if (!m.upsert) return;
      // The patch may leave out its key fields: they come from the key (checkMutation rejected contradicting ones).
      const created = fillKeyFields(m.resource, m.key, patch);
      // A member's user is merged into the cached user (the member is new, its user may not be).
      if (m.resource === 'member') created.user = { ...this.#stores.user.get(m.key.userId), ...(created.user as object) };
      this.#set(m.resource, m.key, created, m.ttlMs, m.channelLimit);
      return;
    }
    if (m.resource === 'member') {
      const { userId, guildId } = m.key;
      const { user: userPatch, ...rest } = patch as { user?: Partial<UserEntity> };
      if (userPatch !== undefined) {
        const user = this.#stores.user.get(userId) ?? { id: userId };
        this.#stores.user.set(userId, { ...user, ...userPatch, id: userId } as UserEntity, undefined);
      }
      store.update(k, { ...current, ...rest, guild_id: guildId, user: { id: userId } });
      return;
    }
    // update() keeps the expiry: ttlMs/channelLimit only apply when the merge creates the entry.
    // The key fields stay the key's (a presence patch's `user` may lack its id; a contradicting one was rejected).
    store.update(k, fillKeyFields(m.resource, m.key, { ...current, ...patch }));
  }

  /** Count a reaction change into a cached message; an absent message stays absent, a present one keeps its expiry. */
  #react(messageId: string, change: ReactionChange): void {
    const store = this.#stores.message;
    const current = store.get(messageId);
    if (current === undefined) return;
    // applyReactionChange copies the reaction it changes and shares the others, which the store never mutates.
    store.update(messageId, { ...current, reactions: applyReactionChange(current.reactions, change) });
  }

  /** Take `roleId` out of the guild's members that have it, through the guild index (other members are not rewritten). */
  #removeRole(guildId: string, roleId: string): void {
    const store = this.#stores.member;
    for (const key of store.keysFor('guild', guildId)) {
      const member = store.get(key);
      // A member upserted from a partial patch may have no roles array at all.
      if (member === undefined || !Array.isArray(member.roles) || !member.roles.includes(roleId)) continue;
      store.update(key, { ...member, roles: member.roles.filter((r) => r !== roleId) });
    }
  }

  /** Remove one entry (a channel with its messages, invites and voice states; a member starts its user's retention). */
  delete(resource: ResourceName, key: string): void {
    if (resource === 'channel') {
      this.#stores.channel.delete(key);
      // The channel cascade (see @sake/abc mutations.ts): what hangs off the channel goes with it.
      for (const child of CHANNEL_CHILD_RESOURCES) this.#stores[child].clearFor('channel', key);
      return;
    }
    if (resource !== 'member') {
      (this.#stores[resource] as IndexedStore<unknown>).delete(key);
      return;
    }
    const member = this.#stores.member.get(key);
    this.#stores.member.delete(key);
    const ttl = this.#userTtlMs;
    if (member !== undefined && ttl !== undefined && this.#stores.member.countFor('user', member.user.id) === 0) {
      this.#stores.user.setExpiry(member.user.id, this.#now() + ttl);
    }
  }

  /** The public value of a stored entry (members joined with their user), deep-copied. */
  read<R extends ResourceName>(resource: R, stored: Stored[R]): EntityMap[R] {
    if (resource === 'member') {
      const member = stored as StoredMember;
      const user = this.#stores.user.get(member.user.id) ?? member.user;
      return { ...copyEntity(member), user: copyEntity(user) } as EntityMap[R];
    }
    return copyEntity(stored) as EntityMap[R];
  }
}
