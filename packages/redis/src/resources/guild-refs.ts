/**
 * How the per-user guild lists (`{u:B}:mg` / `:pg`: the guilds a user is a
 * member of / has a presence in) refer to guilds: 4-byte big-endian indexes
 * into the store's guild dictionary (`Pgd`, codec/dictionary.ts), 4 bytes less
 * per membership than an 8-byte id, about 4 of a member's ~140 bytes. The
 * user-bucket script (scripts/user-ops.lua) takes references of that width
 * only.
 */
import { InvalidDataFound } from '@sake/abc';
import { IdDictionary } from '../codec/dictionary.js';
import type { Connection } from '../connection.js';
import { GUILD_REF_BYTES, type Keys } from '../keys.js';
import { addToDictionary, decodeRefreshing, refreshDictionary } from './dictionaries.js';

/**
 * The guild reference widths a layout record can name (layout.ts `guildRefs`). {@link GuildRefs}
 * reads and writes {@link GUILD_REF_BYTES} only.
 */
export type GuildRefWidth = 4 | 8;

/** The guild ids of a list of 4-byte indexes into `dict`. */
function indexesOf(list: Buffer, dict: IdDictionary): string[] {
  const out: string[] = [];
  for (let at = 0; at < list.length; at += GUILD_REF_BYTES) out.push(dict.idAt(list.readUInt32BE(at)));
  return out;
}

/** This process's view of how its store refers to guilds, with its copy of the guild dictionary. */
export class GuildRefs {
  /** The width of a reference: always {@link GUILD_REF_BYTES}. */
  readonly width: typeof GUILD_REF_BYTES = GUILD_REF_BYTES;
  readonly #conn: Connection;
  readonly #key: string;
  #dict = new IdDictionary();
  #refreshing: Promise<void> | undefined;

  constructor(conn: Connection, keys: Keys) {
    this.#conn = conn;
    this.#key = keys.guildDictionary;
  }

  /** Add `guildId` to `into` when it needs {@link add} before {@link ref} can encode it. */
  noteMissing(guildId: string, into: Set<string>): void {
    if (this.#dict.indexOf(guildId) < 0) into.add(guildId);
  }

  /** Make sure the guild dictionary holds `guildIds` (atomically appended when absent). */
  add(guildIds: ReadonlySet<string>): Promise<void> {
    return addToDictionary(this.#conn, this.#key, this.#dict, guildIds);
  }

  /** The stored reference to `guildId` (a guild the dictionary holds: see {@link noteMissing}). */
  ref(guildId: string): Buffer {
    const at = this.#dict.indexOf(guildId);
    // apply() adds every guild a batch refers to before planning it.
    if (at < 0) throw new Error(`guild ${guildId} is not in this process's copy of the guild dictionary`);
    const out = Buffer.allocUnsafe(GUILD_REF_BYTES);
    out.writeUInt32BE(at);
    return out;
  }

  /** The guild ids of a stored list (`key` names it in errors); reads the dictionary again when the copy is behind. */
  async decode(list: Buffer, key: string): Promise<string[]> {
    if (list.length % GUILD_REF_BYTES !== 0) throw new InvalidDataFound(key, `a guild list of ${list.length} bytes (not a multiple of ${GUILD_REF_BYTES})`);
    return decodeRefreshing(
      this.#dict,
      () => this.refresh().then(() => this.#dict),
      (dict) => indexesOf(list, dict),
      () => key,
      'guild',
    );
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
