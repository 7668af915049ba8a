/**
 * Id dictionaries: snowflakes stored once, in the order they were first
 * seen, and referred to by their index elsewhere. Two of them:
 * - a guild's role dictionary (`{g:G}:rd`): member records (schema v2) store
 *   their roles as a msgpack array of indexes (1 byte each for the first 128
 *   roles) instead of 8-byte ids: roles were half of a member record;
 * - the store's guild dictionary (`gd`): the per-user lists of guilds a user
 *   is a member of / has a presence in hold 4-byte indexes instead of 8-byte
 *   ids (resources/guild-refs.ts).
 *
 * A stored dictionary is append-only (a string of 8-byte ids, never rewritten
 * or deleted by a guild delete or a clear), so the copy a process holds is
 * always a prefix of it: an index it knows always means the same id. An index
 * beyond the copy is {@link UnknownIndex}: the reader refreshes the copy and
 * decodes again.
 */
import { idFromBytes, isPackableId } from './ids.js';

/** A stored value refers to an index this process's copy of a dictionary does not have yet. */
export class UnknownIndex extends Error {
  /** The entry whose value refers to it (`key[id]`), when the decoding caller knows it. */
  where: string | undefined;

  constructor(readonly index: number) {
    super(`index ${index} is beyond the known dictionary`);
    this.name = 'UnknownIndex';
  }
}

/** One id dictionary, as far as this process knows it. */
export class IdDictionary {
  readonly #ids: string[] = [];
  readonly #index = new Map<string, number>();

  /** Ids known. */
  get size(): number {
    return this.#ids.length;
  }

  /** The index of `id`, or -1 when it is not in the dictionary (yet). */
  indexOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  /** The id at `index`; {@link UnknownIndex} when the copy is shorter. */
  idAt(index: number): string {
    const id = this.#ids[index];
    if (id === undefined) throw new UnknownIndex(index);
    return id;
  }

  /**
   * Take the stored dictionary's entries from index `from` on, packed in `bytes` (8 each): those
   * this copy already has are skipped (two refreshes may overlap), the rest appended.
   */
  extendAt(from: number, bytes: Uint8Array): void {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // `from` beyond this copy would leave a gap: never the case (copies only grow), so take nothing.
    if (from > this.#ids.length) return;
    for (let at = (this.#ids.length - from) * 8; at + 8 <= buf.length; at += 8) {
      const id = idFromBytes(buf, at);
      this.#index.set(id, this.#ids.length);
      this.#ids.push(id);
    }
  }

  /** Add to `into` the ids among `ids` this dictionary does not hold (packable ids only). */
  missing(ids: Iterable<unknown>, into: Set<string>): void {
    for (const id of ids) if (isPackableId(id) && !this.#index.has(id)) into.add(id);
  }
}
