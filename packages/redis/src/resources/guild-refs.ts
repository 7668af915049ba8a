/**
 * How the per-user guild lists (`{u:B}:mg` / `:pg`: the guilds a user is a
 * member of / has a presence in) refer to guilds. Stores created with key
 * layout 3 use 4-byte indexes into the store's guild dictionary (`Pgd`,
 * codec/dictionary.ts): 4 bytes less per membership than an 8-byte id, about
 * 4 of a member's ~140 bytes. Stores migrated from an older layout keep
 * 8-byte ids (their lists already hold them). The layout record says which
 * (`guildRefs`); the user-bucket script takes the width from the reference it
 * is given.
 */
import { InvalidDataFound } from '@sake/abc';
import { IdDictionary } from '../codec/dictionary.js';
import { idBytes, idFromBytes } from '../codec/ids.js';
import type { Connection } from '../connection.js';
import type { Keys } from '../keys.js';
import { addToDictionary, decodeRefreshing, refreshDictionary } from './dictionaries.js';

/** Bytes of one guild reference in the per-user guild lists. */
export type GuildRefWidth = 4 | 8;

/** The guild ids of a list of 4-byte indexes into `dict`. */
function indexesOf(list: Buffer, dict: IdDictionary): string[] {
  const out: string[] = [];
  for (let at = 0; at < list.length; at += 4) out.push(dict.idAt(list.readUInt32BE(at)));
  return out;
}

/** This process's view of how its store refers to guilds, with its copy of the guild dictionary. */
export class GuildRefs {
  /** 4: indexes into the guild dictionary; 8: guild ids. */
  readonly width: GuildRefWidth;
  readonly #conn: Connection;
  readonly #key: string;
  #dict = new IdDictionary();
  #refreshing: Promise<void> | undefined;

  constructor(conn: Connection, keys: Keys, width: GuildRefWidth) {
    this.#conn = conn;
    this.#key = keys.guildDictionary;
    this.width = width;
  }

  /** Add `guildId` to `into` when it needs {@link add} before {@link ref} can encode it. */
  noteMissing(guildId: string, into: Set<string>): void {
    if (this.width === 4 && this.#dict.indexOf(guildId) < 0) into.add(guildId);
  }

  /** Make sure the guild dictionary holds `guildIds` (atomically appended when absent). */
  add(guildIds: ReadonlySet<string>): Promise<void> {
    return addToDictionary(this.#conn, this.#key, this.#dict, guildIds);
  }

  /** The stored reference to `guildId` (a guild the dictionary holds: see {@link missing}). */
  ref(guildId: string): Buffer {
    if (this.width === 8) return idBytes(guildId);
    const at = this.#dict.indexOf(guildId);
    // apply() adds every guild a batch refers to before planning it.
    if (at < 0) throw new Error(`guild ${guildId} is not in this process's copy of the guild dictionary`);
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(at);
    return out;
  }

  /** The guild ids of a stored list (`key` names it in errors); reads the dictionary again when the copy is behind. */
  async decode(list: Buffer, key: string): Promise<string[]> {
    if (list.length % this.width !== 0) throw new InvalidDataFound(key, `a guild list of ${list.length} bytes (not a multiple of ${this.width})`);
    if (this.width === 8) {
      const out: string[] = [];
      for (let at = 0; at < list.length; at += 8) out.push(idFromBytes(list, at));
      return out;
    }
    return decodeRefreshing(this.#dict, () => this.refresh().then(() => this.#dict), (dict) => indexesOf(list, dict), () => key, 'guild');
  }

  /** Forget the copy (the store was re-created: its dictionary may be a new one). */
  clear(): void {
    this.#dict = new IdDictionary();
  }

  /** Read what the guild dictionary has beyond the copy (concurrent callers share one read). */
  refresh(): Promise<void> {
    this.#refreshing ??= refreshDictionary(this.#conn, this.#key, this.#dict).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }
}
