/**
 * This process's copies of the guilds' role dictionaries (codec/dictionary.ts):
 * kept per guild, extended from Redis when a record refers to an index the
 * copy does not have, and grown through `sakeDictionaryAdd` before a write
 * encodes a role that is new to the guild.
 */
import { IdDictionary } from '../codec/dictionary.js';
import type { Connection } from '../connection.js';
import type { Keys } from '../keys.js';
import { addToDictionary, decodeRefreshing, refreshDictionary } from './dictionaries.js';

/**
 * Copies kept at most (least recently used dropped first). A copy costs ~100 bytes per role; a
 * process that reads every guild of a large store would otherwise keep every guild's. A dropped
 * copy is read again on its next use (an empty copy is a prefix of any dictionary).
 */
const MAX_COPIES = 10_000;

/** The role dictionaries of the guilds this cache has met (the {@link MAX_COPIES} used last). */
export class RoleDictionaries {
  readonly #conn: Connection;
  readonly #keys: Keys;
  /** In order of last use, oldest first. */
  readonly #byGuild = new Map<string, IdDictionary>();
  #lastGuild: string | undefined;
  #last: IdDictionary | undefined;
  readonly #max: number;
  /** A refresh in flight per guild: concurrent readers share it. */
  readonly #refreshing = new Map<string, Promise<IdDictionary>>();

  /** @param maxCopies - copies kept (default {@link MAX_COPIES}) */
  constructor(conn: Connection, keys: Keys, maxCopies = MAX_COPIES) {
    this.#conn = conn;
    this.#keys = keys;
    this.#max = maxCopies;
  }

  /** The copy of a guild's dictionary (empty until something extends it). */
  of(guildId: string): IdDictionary {
    // Runs of the same guild (a member chunk) skip the bookkeeping.
    if (guildId === this.#lastGuild) return this.#last!;
    let dict = this.#byGuild.get(guildId);
    if (dict) this.#byGuild.delete(guildId);
    else {
      dict = new IdDictionary();
      if (this.#byGuild.size >= this.#max) this.#byGuild.delete(this.#byGuild.keys().next().value!);
    }
    this.#byGuild.set(guildId, dict);
    this.#lastGuild = guildId;
    this.#last = dict;
    return dict;
  }

  /** Copies held now. */
  get size(): number {
    return this.#byGuild.size;
  }

  /** Forget every copy (the store was re-created: its dictionaries may be new ones). */
  clear(): void {
    this.#byGuild.clear();
    this.#lastGuild = undefined;
    this.#last = undefined;
  }

  /** Read what the stored dictionary has beyond the copy (one GETRANGE; concurrent callers share it). */
  refresh(guildId: string): Promise<IdDictionary> {
    let pending = this.#refreshing.get(guildId);
    if (!pending) {
      const dict = this.of(guildId);
      pending = refreshDictionary(this.#conn, this.#keys.roleDictionary(guildId), dict)
        .then(() => dict)
        .finally(() => this.#refreshing.delete(guildId));
      this.#refreshing.set(guildId, pending);
    }
    return pending;
  }

  /** Make sure the stored dictionary of `guildId` holds `roleIds` (atomically appended when absent) and the copy knows them. */
  add(guildId: string, roleIds: ReadonlySet<string>): Promise<void> {
    return addToDictionary(this.#conn, this.#keys.roleDictionary(guildId), this.of(guildId), roleIds);
  }
}

/** Settle a promise's callbacks with a value or promise from {@link decodeWithRoles}. */
export function settleWith<T>(value: T | Promise<T>, resolve: (v: T) => void, reject: (err: unknown) => void): void {
  if (value instanceof Promise) value.then(resolve, reject);
  else resolve(value);
}

/**
 * Run `decode` (a synchronous decode of bytes already read) with the guild's dictionary; when a
 * record refers to a role the copy does not have yet, refresh it and decode once more. Still
 * unknown after that: the record refers to no stored role, `InvalidDataFound` naming `key`.
 */
export function decodeWithRoles<T>(roles: RoleDictionaries, guildId: string, key: () => string, decode: (dict: IdDictionary) => T): T | Promise<T> {
  return decodeRefreshing(roles.of(guildId), () => roles.refresh(guildId), decode, key, 'role');
}
