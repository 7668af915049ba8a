import {
  checkApplyAfter,
  ClosedClient,
  EntryNotFound,
  applyReactionChange,
  copyEntity,
  checkMutation,
  keyOf,
  scopeIdOf,
  smallestSnowflakes,
  toInviteCode,
  toSnowflake,
  type ApplyOptions,
  type ApplyResult,
  type Backend,
  type CacheIterator,
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
  type Snowflakeish,
  type UserEntity,
  type VoiceStateEntity,
} from '@sake/abc';
import { IndexedStore, type ScopeReader } from './store.js';

/** Options of {@link MemoryCache}. */
export interface MemoryCacheOptions {
  /**
   * How long a user stays cached after the last member referring to it is
   * removed (ms). Default: kept until deleted.
   */
  userTtlMs?: number;
  /** Clock used for expiry (tests inject a fake one). Default `Date.now`. */
  now?: () => number;
}

/** A member as stored: without its user, which lives in the user store. */
type StoredMember = Omit<MemberEntity, 'user'> & { user: { id: string } };

type Stored = { [R in ResourceName]: R extends 'member' ? StoredMember : EntityMap[R] };

const ME_KEY = 'me';

/** The mutation types whose old value {@link ApplyOptions.old} may ask for. */
const REPORTABLE: ReadonlySet<Mutation['type']> = new Set(['set', 'merge', 'delete', 'react']);

/**
 * A {@link CacheIterator} over a synchronous source. Memory has nothing to
 * await, so `toArray()` collects the source directly instead of going
 * through an async generator per entry (what the listener's reads use).
 */
class SyncSourceIterator<T> implements CacheIterator<T> {
  readonly #source: () => Iterable<T>;
  readonly #count: () => number;

  constructor(source: () => Iterable<T>, count: () => number) {
    this.#source = source;
    this.#count = count;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    // The source runs on the first next(), so errors surface while iterating.
    yield* this.#source();
  }

  async len(): Promise<number> {
    return this.#count();
  }

  async toArray(): Promise<T[]> {
    return Array.from(this.#source());
  }
}

/** The string a store files an entry under, from its typed key. */
function storeKey(resource: ResourceName, key: Record<string, string>): string {
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

function scoped<V>(resource: 'channel' | 'emoji' | 'role' | 'presence' | 'voiceState' | 'message' | 'invite', scopes: string[]): Record<string, ScopeReader<V>> {
  const readers: Record<string, ScopeReader<V>> = {};
  for (const scope of scopes) {
    readers[scope] = (value) => scopeIdOf(resource, scope as never, value as never);
  }
  return readers;
}

/**
 * The embedded default backend: every resource and index of the standard in
 * process memory. It is also the executable definition of the semantics the
 * conformance suite checks other backends against.
 *
 * Values are deep-copied on the way in and out, so callers can't change the
 * cache by mutating what they passed or got (old values from `apply` too).
 */
export class MemoryCache implements Backend {
  /** `apply` honours {@link ApplyOptions.old}: old values are read in the same synchronous pass as the writes. */
  readonly reportsOld = true;
  /** `apply` honours {@link ApplyOptions.after} (it has nothing to prepare: the contract's reference). */
  readonly honoursAfter = true;
  readonly #options: MemoryCacheOptions;
  readonly #now: () => number;
  #alive = false;
  readonly #stores: { [R in ResourceName]: IndexedStore<Stored[R]> };

  constructor(options: MemoryCacheOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const now = this.#now;
    this.#stores = {
      guild: new IndexedStore<GuildEntity>({}, now),
      channel: new IndexedStore<GuildChannelEntity>(scoped('channel', ['guild']), now),
      emoji: new IndexedStore<EmojiEntity>(scoped('emoji', ['guild']), now),
      role: new IndexedStore<RoleEntity>(scoped('role', ['guild']), now),
      member: new IndexedStore<StoredMember>({ guild: (m) => m.guild_id, user: (m) => m.user.id }, now),
      presence: new IndexedStore<PresenceEntity>(scoped('presence', ['guild', 'user']), now),
      voiceState: new IndexedStore<VoiceStateEntity>(scoped('voiceState', ['guild', 'channel']), now),
      message: new IndexedStore<MessageEntity>(scoped('message', ['guild', 'channel', 'author']), now),
      invite: new IndexedStore<InviteEntity>(scoped('invite', ['guild', 'channel']), now),
      user: new IndexedStore<UserEntity>({}, now),
      me: new IndexedStore<MeEntity>({}, now),
    };
  }

  /** Whether the cache is open. */
  get isAlive(): boolean {
    return this.#alive;
  }

  /** Open the cache (idempotent; nothing to connect to). */
  async open(): Promise<void> {
    this.#alive = true;
  }

  /** Close the cache (idempotent). Data is kept and visible again after `open()`. */
  async close(): Promise<void> {
    this.#alive = false;
  }

  // ----- writes ---------------------------------------------------------------------------

  /**
   * Apply a batch in order. The whole batch (and `options.old`) is validated
   * first, so a bad mutation changes nothing. With `options.old`, resolves
   * with copies of the listed mutations' entries as they were just before
   * each of them (see {@link ApplyResult}).
   */
  async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
    if (!Array.isArray(batch)) throw new TypeError('batch must be an array of mutations');
    // Array.isArray made the elements `any`; the declared type was right.
    const checked = (batch as readonly Mutation[]).map((m, i) => this.#check(m, i));
    const wanted = options?.old;
    const reported = wanted === undefined || wanted.length === 0 ? undefined : this.#checkOld(checked, wanted);
    const after = checkApplyAfter(options?.after);
    // Validated now, written once `after` settles (and not at all if it rejects).
    if (after !== undefined) await after;
    if (wanted === undefined || reported === undefined) {
      this.#assertAlive();
      for (const m of checked) this.#applyOne(m);
      // Asked for no old value: report none (as RedisCache does), rather than nothing.
      return wanted === undefined ? undefined : { old: [] };
    }
    this.#assertAlive();
    const found = new Map<number, unknown>();
    for (let i = 0; i < checked.length; i++) {
      const m = checked[i]!;
      if (reported.has(i)) found.set(i, this.#current(m));
      this.#applyOne(m);
    }
    // An index listed twice gets two copies, so no two results share an object.
    const given = new Set<number>();
    return {
      old: wanted.map((i) => {
        const value = found.get(i);
        if (!given.has(i)) {
          given.add(i);
          return value;
        }
        return copyEntity(value);
      }),
    };
  }

  /** The indexes of `options.old`, each checked to name a set/merge/delete/react of the batch (a `TypeError` otherwise). */
  #checkOld(batch: readonly Mutation[], wanted: readonly number[]): ReadonlySet<number> {
    if (!Array.isArray(wanted)) throw new TypeError('options.old must be an array of batch indexes');
    const out = new Set<number>();
    // Array.isArray made the elements `any`; the declared type was right.
    for (const i of wanted as readonly number[]) {
      const m = Number.isInteger(i) ? batch[i] : undefined;
      if (m === undefined) throw new TypeError(`options.old: ${String(i)} is not an index of the batch (length ${batch.length})`);
      if (!REPORTABLE.has(m.type)) throw new TypeError(`options.old: batch[${i}] is a ${m.type} mutation, which has no old value`);
      out.add(i);
    }
    return out;
  }

  /** The entry a set/merge/delete/react mutation is about, as its `get*` would return it now (a copy), or `undefined`. */
  #current(m: Mutation): unknown {
    let key: string;
    switch (m.type) {
      case 'set':
        key = storeKey(m.resource, keyOf(m.resource, m.value as never));
        break;
      case 'merge':
      case 'delete':
      case 'react':
        key = storeKey(m.resource, m.key);
        break;
      default:
        return undefined;
    }
    const stored = this.#stores[m.resource].get(key);
    return stored === undefined ? undefined : this.#read(m.resource, stored);
  }

  /** Validate one mutation (the shared `checkMutation`); returns it with its ids normalised. */
  #check(m: Mutation, index: number): Mutation {
    const checked = checkMutation(m, index);
    switch (checked.type) {
      case 'merge':
      case 'delete':
      case 'react':
        return { ...m, key: checked.key } as Mutation;
      case 'removeRole':
        return { ...m, guildId: checked.guildId, roleId: checked.roleId } as Mutation;
      case 'replaceForGuild':
        return { ...m, guildId: checked.guildId } as Mutation;
      case 'clearFor':
        return { ...m, id: checked.id } as Mutation;
      default:
        return m;
    }
  }

  #applyOne(m: Mutation): void {
    switch (m.type) {
      case 'set':
        this.#set(m.resource, copyEntity(m.value), m.ttlMs, m.channelLimit);
        return;
      case 'merge':
        this.#merge(m.resource, m.key, copyEntity(m.patch), m.upsert === true, m.ttlMs, m.channelLimit);
        return;
      case 'react':
        this.#react(m.key.messageId, copyEntity(m.change));
        return;
      case 'removeRole':
        this.#removeRole(m.guildId, m.roleId);
        return;
      case 'delete':
        this.#delete(m.resource, storeKey(m.resource, m.key));
        return;
      case 'replaceForGuild': {
        const store = this.#stores[m.resource] as IndexedStore<unknown>;
        const keep = new Set(m.values.map((v) => storeKey(m.resource, keyOf(m.resource, v as never) as Record<string, string>)));
        for (const key of store.keysFor('guild', m.guildId)) if (!keep.has(key)) this.#delete(m.resource, key);
        for (const value of m.values) this.#set(m.resource, copyEntity(value));
        return;
      }
      case 'clearFor': {
        const store = this.#stores[m.resource] as IndexedStore<unknown>;
        for (const key of store.keysFor(m.scope, m.id)) this.#delete(m.resource, key);
        return;
      }
    }
  }

  #set(resource: ResourceName, value: EntityMap[ResourceName], ttlMs?: number, channelLimit?: number): void {
    const key = storeKey(resource, keyOf(resource, value as never));
    const expiresAt = ttlMs !== undefined ? this.#now() + ttlMs : undefined;
    if (resource === 'member') {
      const { user, ...member } = value as MemberEntity;
      this.#stores.user.set(user.id, user);
      this.#stores.member.set(key, { ...member, user: { id: user.id } }, expiresAt);
      return;
    }
    if (resource === 'user') {
      const referenced = this.#stores.member.countFor('user', key) > 0;
      this.#stores.user.set(key, value as UserEntity, referenced ? undefined : expiresAt);
      return;
    }
    (this.#stores[resource] as IndexedStore<unknown>).set(key, value, expiresAt);
    if (resource === 'message' && channelLimit !== undefined) this.#trimChannel((value as MessageEntity).channel_id, channelLimit);
  }

  /** Keep only the newest `limit` messages (by id) of a channel. */
  #trimChannel(channelId: string, limit: number): void {
    const store = this.#stores.message;
    const keys = store.keysFor('channel', channelId);
    if (keys.length <= limit) return;
    for (const key of smallestSnowflakes(keys, keys.length - limit)) store.delete(key);
  }

  #merge(resource: ResourceName, key: Record<string, string>, patch: Record<string, unknown>, upsert: boolean, ttlMs?: number, channelLimit?: number): void {
    const k = storeKey(resource, key);
    const store = this.#stores[resource] as unknown as IndexedStore<Record<string, unknown>>;
    const current = store.get(k);
    if (current === undefined) {
      if (!upsert) return;
      // The key fields win over whatever the patch says, so an upsert can't land under another key.
      const created = { ...patch, ...this.#keyFields(resource, key, patch) };
      // A member's user is merged into the cached user (the member is new, its user may not be).
      if (resource === 'member') created.user = { ...this.#stores.user.get(key.userId!), ...(created.user as object) };
      this.#set(resource, created as never, ttlMs, channelLimit);
      return;
    }
    if (resource === 'member') {
      const { user: userPatch, ...rest } = patch as { user?: Partial<UserEntity> };
      if (userPatch !== undefined) {
        const user = this.#stores.user.get(key.userId!) ?? { id: key.userId! };
        this.#stores.user.set(key.userId!, { ...user, ...userPatch, id: key.userId! } as UserEntity, undefined);
      }
      store.update(k, { ...current, ...rest, guild_id: key.guildId, user: { id: key.userId } });
      return;
    }
    // update() keeps the expiry: ttlMs/channelLimit only apply when the merge creates the entry.
    store.update(k, { ...current, ...patch, ...this.#keyFields(resource, key, patch) });
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

  /** The entity fields that carry a key's ids. */
  #keyFields(resource: ResourceName, key: Record<string, string>, patch: Record<string, unknown>): Record<string, unknown> {
    switch (resource) {
      case 'member':
      case 'presence':
        return { guild_id: key.guildId, user: { ...(patch.user as object | undefined), id: key.userId } };
      case 'voiceState':
        return { guild_id: key.guildId, user_id: key.userId };
      case 'invite':
        return { code: key.code };
      case 'me':
        return {};
      default:
        return { id: Object.values(key)[0] };
    }
  }

  #delete(resource: ResourceName, key: string): void {
    if (resource !== 'member') {
      (this.#stores[resource] as IndexedStore<unknown>).delete(key);
      return;
    }
    const member = this.#stores.member.get(key);
    this.#stores.member.delete(key);
    const ttl = this.#options.userTtlMs;
    if (member !== undefined && ttl !== undefined && this.#stores.member.countFor('user', member.user.id) === 0) {
      this.#stores.user.setExpiry(member.user.id, this.#now() + ttl);
    }
  }

  // ----- reads ----------------------------------------------------------------------------

  #assertAlive(): void {
    if (!this.#alive) throw new ClosedClient('MemoryCache is closed');
  }

  /** The public value of a stored entry (members joined with their user), deep-copied. */
  #read<R extends ResourceName>(resource: R, stored: Stored[R]): EntityMap[R] {
    if (resource === 'member') {
      const member = stored as StoredMember;
      const user = this.#stores.user.get(member.user.id) ?? member.user;
      return { ...copyEntity(member), user: copyEntity(user) } as EntityMap[R];
    }
    return copyEntity(stored) as EntityMap[R];
  }

  async #get<R extends ResourceName>(resource: R, key: string): Promise<EntityMap[R]> {
    this.#assertAlive();
    const stored = this.#stores[resource].get(key);
    if (stored === undefined) throw new EntryNotFound(`${resource} ${key} is not cached`);
    return this.#read(resource, stored);
  }

  async #del(resource: ResourceName, key: string): Promise<void> {
    this.#assertAlive();
    this.#delete(resource, key);
  }

  #iter<R extends ResourceName>(resource: R, scope?: string, parent?: string): CacheIterator<EntityMap[R]> {
    const store = this.#stores[resource];
    const keys = (): string[] => (scope === undefined ? store.keys() : store.keysFor(scope, parent!));
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a generator function cannot be an arrow; it reads the cache through `self`
    const self = this;
    return new SyncSourceIterator<EntityMap[R]>(
      function* () {
        self.#assertAlive();
        for (const key of keys()) {
          // Checked per entry: a close() between two entries of a `for await` ends the iteration.
          self.#assertAlive();
          const stored = store.get(key);
          if (stored !== undefined) yield self.#read(resource, stored);
        }
      },
      () => {
        this.#assertAlive();
        let count = 0;
        for (const key of keys()) if (store.get(key) !== undefined) count++;
        return count;
      },
    );
  }

  async #clear(resource: ResourceName, scope?: string, parent?: string): Promise<void> {
    this.#assertAlive();
    const store = this.#stores[resource] as IndexedStore<unknown>;
    const keys = scope === undefined ? store.keys() : store.keysFor(scope, parent!);
    for (const key of keys) this.#delete(resource, key);
  }

  /** {@inheritDoc @sake/abc#GuildCache.getGuild} */
  getGuild(guildId: Snowflakeish): Promise<GuildEntity> {
    return this.#get('guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#GuildCache.deleteGuild} */
  deleteGuild(guildId: Snowflakeish): Promise<void> {
    return this.#del('guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#GuildCache.iterGuilds} */
  iterGuilds(): CacheIterator<GuildEntity> {
    return this.#iter('guild');
  }
  /** {@inheritDoc @sake/abc#GuildCache.clearGuilds} */
  clearGuilds(): Promise<void> {
    return this.#clear('guild');
  }

  /** {@inheritDoc @sake/abc#GuildChannelCache.getGuildChannel} */
  getGuildChannel(channelId: Snowflakeish): Promise<GuildChannelEntity> {
    return this.#get('channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.deleteGuildChannel} */
  deleteGuildChannel(channelId: Snowflakeish): Promise<void> {
    return this.#del('channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.iterGuildChannels} */
  iterGuildChannels(): CacheIterator<GuildChannelEntity> {
    return this.#iter('channel');
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.clearGuildChannels} */
  clearGuildChannels(): Promise<void> {
    return this.#clear('channel');
  }
  /** {@inheritDoc @sake/abc#RefGuildChannelCache.iterGuildChannelsForGuild} */
  iterGuildChannelsForGuild(guildId: Snowflakeish): CacheIterator<GuildChannelEntity> {
    return this.#iter('channel', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefGuildChannelCache.clearGuildChannelsForGuild} */
  clearGuildChannelsForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('channel', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#EmojiCache.getEmoji} */
  getEmoji(emojiId: Snowflakeish): Promise<EmojiEntity> {
    return this.#get('emoji', toSnowflake(emojiId, 'emojiId'));
  }
  /** {@inheritDoc @sake/abc#EmojiCache.deleteEmoji} */
  deleteEmoji(emojiId: Snowflakeish): Promise<void> {
    return this.#del('emoji', toSnowflake(emojiId, 'emojiId'));
  }
  /** {@inheritDoc @sake/abc#EmojiCache.iterEmojis} */
  iterEmojis(): CacheIterator<EmojiEntity> {
    return this.#iter('emoji');
  }
  /** {@inheritDoc @sake/abc#EmojiCache.clearEmojis} */
  clearEmojis(): Promise<void> {
    return this.#clear('emoji');
  }
  /** {@inheritDoc @sake/abc#RefEmojiCache.iterEmojisForGuild} */
  iterEmojisForGuild(guildId: Snowflakeish): CacheIterator<EmojiEntity> {
    return this.#iter('emoji', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefEmojiCache.clearEmojisForGuild} */
  clearEmojisForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('emoji', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#RoleCache.getRole} */
  getRole(roleId: Snowflakeish): Promise<RoleEntity> {
    return this.#get('role', toSnowflake(roleId, 'roleId'));
  }
  /** {@inheritDoc @sake/abc#RoleCache.deleteRole} */
  deleteRole(roleId: Snowflakeish): Promise<void> {
    return this.#del('role', toSnowflake(roleId, 'roleId'));
  }
  /** {@inheritDoc @sake/abc#RoleCache.iterRoles} */
  iterRoles(): CacheIterator<RoleEntity> {
    return this.#iter('role');
  }
  /** {@inheritDoc @sake/abc#RoleCache.clearRoles} */
  clearRoles(): Promise<void> {
    return this.#clear('role');
  }
  /** {@inheritDoc @sake/abc#RefRoleCache.iterRolesForGuild} */
  iterRolesForGuild(guildId: Snowflakeish): CacheIterator<RoleEntity> {
    return this.#iter('role', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefRoleCache.clearRolesForGuild} */
  clearRolesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('role', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#MemberCache.getMember} */
  getMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<MemberEntity> {
    return this.#get('member', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#MemberCache.deleteMember} */
  deleteMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.#del('member', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#MemberCache.iterMembers} */
  iterMembers(): CacheIterator<MemberEntity> {
    return this.#iter('member');
  }
  /** {@inheritDoc @sake/abc#MemberCache.clearMembers} */
  clearMembers(): Promise<void> {
    return this.#clear('member');
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.iterMembersForGuild} */
  iterMembersForGuild(guildId: Snowflakeish): CacheIterator<MemberEntity> {
    return this.#iter('member', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.clearMembersForGuild} */
  clearMembersForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('member', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.iterMembersForUser} */
  iterMembersForUser(userId: Snowflakeish): CacheIterator<MemberEntity> {
    return this.#iter('member', 'user', toSnowflake(userId, 'userId'));
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.clearMembersForUser} */
  clearMembersForUser(userId: Snowflakeish): Promise<void> {
    return this.#clear('member', 'user', toSnowflake(userId, 'userId'));
  }

  /** {@inheritDoc @sake/abc#PresenceCache.getPresence} */
  getPresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<PresenceEntity> {
    return this.#get('presence', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#PresenceCache.deletePresence} */
  deletePresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.#del('presence', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#PresenceCache.iterPresences} */
  iterPresences(): CacheIterator<PresenceEntity> {
    return this.#iter('presence');
  }
  /** {@inheritDoc @sake/abc#PresenceCache.clearPresences} */
  clearPresences(): Promise<void> {
    return this.#clear('presence');
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.iterPresencesForGuild} */
  iterPresencesForGuild(guildId: Snowflakeish): CacheIterator<PresenceEntity> {
    return this.#iter('presence', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.clearPresencesForGuild} */
  clearPresencesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('presence', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.iterPresencesForUser} */
  iterPresencesForUser(userId: Snowflakeish): CacheIterator<PresenceEntity> {
    return this.#iter('presence', 'user', toSnowflake(userId, 'userId'));
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.clearPresencesForUser} */
  clearPresencesForUser(userId: Snowflakeish): Promise<void> {
    return this.#clear('presence', 'user', toSnowflake(userId, 'userId'));
  }

  /** {@inheritDoc @sake/abc#VoiceStateCache.getVoiceState} */
  getVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<VoiceStateEntity> {
    return this.#get('voiceState', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.deleteVoiceState} */
  deleteVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.#del('voiceState', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.iterVoiceStates} */
  iterVoiceStates(): CacheIterator<VoiceStateEntity> {
    return this.#iter('voiceState');
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.clearVoiceStates} */
  clearVoiceStates(): Promise<void> {
    return this.#clear('voiceState');
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.iterVoiceStatesForGuild} */
  iterVoiceStatesForGuild(guildId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    return this.#iter('voiceState', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.clearVoiceStatesForGuild} */
  clearVoiceStatesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('voiceState', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.iterVoiceStatesForChannel} */
  iterVoiceStatesForChannel(channelId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    return this.#iter('voiceState', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.clearVoiceStatesForChannel} */
  clearVoiceStatesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.#clear('voiceState', 'channel', toSnowflake(channelId, 'channelId'));
  }

  /** {@inheritDoc @sake/abc#MessageCache.getMessage} */
  getMessage(messageId: Snowflakeish): Promise<MessageEntity> {
    return this.#get('message', toSnowflake(messageId, 'messageId'));
  }
  /** {@inheritDoc @sake/abc#MessageCache.deleteMessage} */
  deleteMessage(messageId: Snowflakeish): Promise<void> {
    return this.#del('message', toSnowflake(messageId, 'messageId'));
  }
  /** {@inheritDoc @sake/abc#MessageCache.iterMessages} */
  iterMessages(): CacheIterator<MessageEntity> {
    return this.#iter('message');
  }
  /** {@inheritDoc @sake/abc#MessageCache.clearMessages} */
  clearMessages(): Promise<void> {
    return this.#clear('message');
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForGuild} */
  iterMessagesForGuild(guildId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.#iter('message', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForGuild} */
  clearMessagesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('message', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForChannel} */
  iterMessagesForChannel(channelId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.#iter('message', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForChannel} */
  clearMessagesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.#clear('message', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForAuthor} */
  iterMessagesForAuthor(authorId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.#iter('message', 'author', toSnowflake(authorId, 'authorId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForAuthor} */
  clearMessagesForAuthor(authorId: Snowflakeish): Promise<void> {
    return this.#clear('message', 'author', toSnowflake(authorId, 'authorId'));
  }

  /** {@inheritDoc @sake/abc#InviteCache.getInvite} */
  getInvite(code: string): Promise<InviteEntity> {
    return this.#get('invite', toInviteCode(code));
  }
  /** {@inheritDoc @sake/abc#InviteCache.deleteInvite} */
  deleteInvite(code: string): Promise<void> {
    return this.#del('invite', toInviteCode(code));
  }
  /** {@inheritDoc @sake/abc#InviteCache.iterInvites} */
  iterInvites(): CacheIterator<InviteEntity> {
    return this.#iter('invite');
  }
  /** {@inheritDoc @sake/abc#InviteCache.clearInvites} */
  clearInvites(): Promise<void> {
    return this.#clear('invite');
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.iterInvitesForGuild} */
  iterInvitesForGuild(guildId: Snowflakeish): CacheIterator<InviteEntity> {
    return this.#iter('invite', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.clearInvitesForGuild} */
  clearInvitesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('invite', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.iterInvitesForChannel} */
  iterInvitesForChannel(channelId: Snowflakeish): CacheIterator<InviteEntity> {
    return this.#iter('invite', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.clearInvitesForChannel} */
  clearInvitesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.#clear('invite', 'channel', toSnowflake(channelId, 'channelId'));
  }

  /** {@inheritDoc @sake/abc#UserCache.getUser} */
  getUser(userId: Snowflakeish): Promise<UserEntity> {
    return this.#get('user', toSnowflake(userId, 'userId'));
  }
  /** {@inheritDoc @sake/abc#UserCache.deleteUser} */
  deleteUser(userId: Snowflakeish): Promise<void> {
    return this.#del('user', toSnowflake(userId, 'userId'));
  }
  /** {@inheritDoc @sake/abc#UserCache.iterUsers} */
  iterUsers(): CacheIterator<UserEntity> {
    return this.#iter('user');
  }
  /** {@inheritDoc @sake/abc#UserCache.clearUsers} */
  clearUsers(): Promise<void> {
    return this.#clear('user');
  }

  /** {@inheritDoc @sake/abc#MeCache.getMe} */
  getMe(): Promise<MeEntity> {
    return this.#get('me', ME_KEY);
  }
  /** {@inheritDoc @sake/abc#MeCache.deleteMe} */
  deleteMe(): Promise<void> {
    return this.#del('me', ME_KEY);
  }
}
