/**
 * A naive third-party sake backend: one Map per resource, implementing only
 * guilds, roles and users (plus the write contract). It imports nothing but
 * `@sake/abc`'s public exports — the proof that the standard can be
 * implemented from outside this repository. Not for production: iterating
 * the roles of a guild scans every role.
 */
import { ClosedClient, EntryNotFound, LazyCacheIterator, checkMutation, fillKeyFields, toSnowflake } from '@sake/abc';
import type {
  CacheIterator,
  CacheWriter,
  CheckedMutation,
  GuildCache,
  GuildEntity,
  Mutation,
  RefRoleCache,
  RoleEntity,
  Snowflakeish,
  UserCache,
  UserEntity,
} from '@sake/abc';

type Stored = 'guild' | 'role' | 'user';
interface Entry<T> {
  value: T;
  expiresAt?: number;
}
const expired = (e: Entry<unknown>): boolean => e.expiresAt !== undefined && e.expiresAt <= Date.now();

/** Guilds, roles (with their for-guild index) and users in Maps, fed by `apply`. */
export class NaiveBackend implements GuildCache, RefRoleCache, UserCache, CacheWriter {
  readonly #maps: Record<Stored, Map<string, Entry<object>>> = { guild: new Map(), role: new Map(), user: new Map() };
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
  #live<T>(resource: Stored): T[] {
    return [...this.#maps[resource].values()].filter((e) => !expired(e)).map((e) => structuredClone(e.value) as T);
  }
  async #get<T>(resource: Stored, id: Snowflakeish): Promise<T> {
    const key = toSnowflake(id); // TypeError before anything else
    this.#guard();
    const entry = this.#maps[resource].get(key);
    if (!entry || expired(entry)) throw new EntryNotFound(`${resource} ${key} is not cached`);
    return structuredClone(entry.value) as T;
  }
  async #delete(resource: Stored, id: Snowflakeish): Promise<void> {
    const key = toSnowflake(id);
    this.#guard();
    this.#maps[resource].delete(key);
  }
  async #clear(resource: Stored, scope?: string): Promise<void> {
    this.#guard();
    for (const [key, { value }] of this.#maps[resource]) {
      if (scope === undefined || (value as RoleEntity).guild_id === scope) this.#maps[resource].delete(key);
    }
  }
  #iter<T>(resource: Stored, scope?: string): CacheIterator<T> {
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

  /**
   * Apply a batch in order; mutations of other resources are ignored. The whole batch is checked
   * first with `checkMutation` (malformed ids, `ttlMs` where it means nothing, a merge patch that
   * contradicts its key: a `TypeError` before anything is written, even when closed).
   */
  async apply(batch: readonly Mutation[]): Promise<void> {
    const checked = batch.map(checkMutation).filter(isSupported);
    this.#guard();
    for (const m of checked) {
      switch (m.type) {
        case 'set':
          this.#maps[m.resource].set(idOf(m), { value: structuredClone(m.value), ...(m.ttlMs === undefined ? {} : { expiresAt: Date.now() + m.ttlMs }) });
          break;
        case 'merge': {
          const map = this.#maps[m.resource];
          const old = map.get(idOf(m));
          if (old && !expired(old)) old.value = { ...old.value, ...structuredClone(m.patch) };
          // A patch may leave out its key fields: the entry gets them from the key.
          else if (m.upsert)
            map.set(idOf(m), {
              value: fillKeyFields(m.resource, m.key, structuredClone(m.patch)),
              ...(m.ttlMs === undefined ? {} : { expiresAt: Date.now() + m.ttlMs }),
            });
          break;
        }
        case 'delete':
          this.#maps[m.resource].delete(idOf(m));
          break;
        case 'replaceForGuild':
          await this.#clear('role', m.guildId);
          for (const { key, value } of m.values) this.#maps.role.set(key.roleId, { value: structuredClone(value) });
          break;
        case 'clearFor':
          await this.#clear('role', m.id);
          break;
      }
    }
  }
}

/** A checked mutation of a resource this backend implements (guilds, roles, users; removeRole and react are member/message ones). */
type Supported = Extract<CheckedMutation, { resource: 'guild' | 'role' | 'user' }>;

function isSupported(m: CheckedMutation): m is Supported {
  return m.resource === 'guild' || m.resource === 'role' || m.resource === 'user';
}

/** The one id of a set/merge/delete's key: narrowing on `resource` types the key, so no cast and no `!`. */
function idOf(m: Extract<Supported, { key: unknown }>): string {
  return m.resource === 'guild' ? m.key.guildId : m.resource === 'role' ? m.key.roleId : m.key.userId;
}
