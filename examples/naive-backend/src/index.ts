/**
 * A naive third-party sake backend: one Map per resource, implementing only
 * guilds, roles and users (plus the write contract). It imports nothing but
 * `@sake/abc`'s public exports — the proof that the standard can be
 * implemented from outside this repository. Not for production: iterating
 * the roles of a guild scans every role.
 */
import { ClosedClient, EntryNotFound, LazyCacheIterator, keyOf, toSnowflake } from '@sake/abc';
import type {
  CacheIterator,
  CacheWriter,
  GuildCache,
  GuildEntity,
  Mutation,
  RefRoleCache,
  RoleEntity,
  Snowflakeish,
  UserCache,
  UserEntity,
} from '@sake/abc';

type Supported = 'guild' | 'role' | 'user';
interface Entry<T> {
  value: T;
  expiresAt?: number;
}
const expired = (e: Entry<unknown>): boolean => e.expiresAt !== undefined && e.expiresAt <= Date.now();

/** Guilds, roles (with their for-guild index) and users in Maps, fed by `apply`. */
export class NaiveBackend implements GuildCache, RefRoleCache, UserCache, CacheWriter {
  readonly #maps: Record<Supported, Map<string, Entry<object>>> = { guild: new Map(), role: new Map(), user: new Map() };
  #alive = false;

  /** Whether the backend is open. */
  get isAlive(): boolean {
    return this.#alive;
  }
  /** Open (idempotent). */
  async open(): Promise<void> {
    this.#alive = true;
  }
  /** Close (idempotent); the Maps keep their data. */
  async close(): Promise<void> {
    this.#alive = false;
  }

  #guard(): void {
    if (!this.#alive) throw new ClosedClient();
  }
  #live<T>(resource: Supported): T[] {
    return [...this.#maps[resource].values()].filter((e) => !expired(e)).map((e) => structuredClone(e.value) as T);
  }
  async #get<T>(resource: Supported, id: Snowflakeish): Promise<T> {
    const key = toSnowflake(id); // TypeError before anything else
    this.#guard();
    const entry = this.#maps[resource].get(key);
    if (!entry || expired(entry)) throw new EntryNotFound(`${resource} ${key} is not cached`);
    return structuredClone(entry.value) as T;
  }
  async #delete(resource: Supported, id: Snowflakeish): Promise<void> {
    const key = toSnowflake(id);
    this.#guard();
    this.#maps[resource].delete(key);
  }
  async #clear(resource: Supported, scope?: string): Promise<void> {
    this.#guard();
    for (const [key, { value }] of this.#maps[resource]) {
      if (scope === undefined || (value as RoleEntity).guild_id === scope) this.#maps[resource].delete(key);
    }
  }
  #iter<T>(resource: Supported, scope?: string): CacheIterator<T> {
    const list = (): T[] => {
      this.#guard(); // runs when iteration starts, so the error surfaces there
      return this.#live<T>(resource).filter((v) => scope === undefined || (v as RoleEntity).guild_id === scope);
    };
    return new LazyCacheIterator(list, async () => list().length);
  }

  getGuild = (id: Snowflakeish): Promise<GuildEntity> => this.#get('guild', id);
  deleteGuild = (id: Snowflakeish): Promise<void> => this.#delete('guild', id);
  iterGuilds = (): CacheIterator<GuildEntity> => this.#iter('guild');
  clearGuilds = (): Promise<void> => this.#clear('guild');
  getRole = (id: Snowflakeish): Promise<RoleEntity> => this.#get('role', id);
  deleteRole = (id: Snowflakeish): Promise<void> => this.#delete('role', id);
  iterRoles = (): CacheIterator<RoleEntity> => this.#iter('role');
  clearRoles = (): Promise<void> => this.#clear('role');
  // toSnowflake runs first: a malformed id throws at the call (iter) or rejects before any work (clear).
  iterRolesForGuild = (guildId: Snowflakeish): CacheIterator<RoleEntity> => this.#iter('role', toSnowflake(guildId, 'guildId'));
  clearRolesForGuild = async (guildId: Snowflakeish): Promise<void> => this.#clear('role', toSnowflake(guildId, 'guildId'));
  getUser = (id: Snowflakeish): Promise<UserEntity> => this.#get('user', id);
  deleteUser = (id: Snowflakeish): Promise<void> => this.#delete('user', id);
  iterUsers = (): CacheIterator<UserEntity> => this.#iter('user');
  clearUsers = (): Promise<void> => this.#clear('user');

  /** Apply a batch in order; mutations of other resources are ignored. Every id is checked before anything is written. */
  async apply(batch: readonly Mutation[]): Promise<void> {
    const supported = batch.filter((m) => m.resource === 'guild' || m.resource === 'role' || m.resource === 'user');
    supported.forEach(validate);
    this.#guard();
    for (const m of supported) {
      const map = this.#maps[m.resource];
      if (m.type === 'set') {
        const key = Object.values(keyOf(m.resource, m.value as never))[0] as string;
        map.set(key, { value: structuredClone(m.value), ...(m.ttlMs === undefined ? {} : { expiresAt: Date.now() + m.ttlMs }) });
      } else if (m.type === 'merge') {
        const key = Object.values(m.key)[0] as string;
        const old = map.get(key);
        if (old && !expired(old)) old.value = { ...old.value, ...structuredClone(m.patch) };
        else if (m.upsert) map.set(key, { value: structuredClone(m.patch) });
      } else if (m.type === 'delete') {
        map.delete(Object.values(m.key)[0] as string);
      } else if (m.type === 'replaceForGuild') {
        await this.#clear('role', m.guildId);
        for (const value of m.values) map.set(value.id, { value: structuredClone(value) });
      } else {
        await this.#clear('role', m.id);
      }
    }
  }
}

/** Throw a TypeError for any malformed id in `m` (the ids that end up as Map keys or index values). */
function validate(m: Mutation): void {
  const ids: unknown[] =
    m.type === 'set'
      ? [...Object.values(keyOf(m.resource, m.value as never)), ...(m.resource === 'role' ? [m.value.guild_id] : [])]
      : m.type === 'replaceForGuild'
        ? [m.guildId, ...m.values.flatMap((v) => [(v as RoleEntity).id, (v as RoleEntity).guild_id])]
        : m.type === 'clearFor'
          ? [m.id]
          : m.type === 'removeRole'
            ? [m.guildId, m.roleId]
            : [...Object.values(m.key), ...(m.type === 'merge' && 'guild_id' in m.patch ? [m.patch.guild_id] : [])];
  for (const id of ids) toSnowflake(id);
}
