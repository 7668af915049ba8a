/**
 * A guild's role dictionary: every role id a stored member of the guild has
 * held, in the order they were first seen. Member records (schema v2) store
 * their roles as a msgpack array of indexes into it (1 byte each for the first
 * 128 roles) instead of 8-byte ids: roles were half of a member record.
 *
 * The stored dictionary is append-only (a string of 8-byte ids under
 * `{g:G}:rd`, never rewritten or deleted by a guild delete or a clear), so
 * the copy a process holds is always a prefix of it: an index it knows
 * always means the same role. An index beyond the copy is
 * {@link UnknownRoleIndex}: the reader refreshes the copy and decodes again.
 */
import { idFromBytes, isPackableId } from './ids.js';

/** A member record refers to a role this process's copy of the dictionary does not have yet. */
export class UnknownRoleIndex extends Error {
  /** The entry whose record refers to it (`key[id]`), when the decoding caller knows it. */
  where: string | undefined;

  constructor(readonly index: number) {
    super(`role index ${index} is beyond the known role dictionary`);
    this.name = 'UnknownRoleIndex';
  }
}

/** One guild's role dictionary, as far as this process knows it. */
export class RoleDictionary {
  readonly #ids: string[] = [];
  readonly #index = new Map<string, number>();

  /** Roles known. */
  get size(): number {
    return this.#ids.length;
  }

  /** The index of `roleId`, or -1 when it is not in the dictionary (yet). */
  indexOf(roleId: string): number {
    return this.#index.get(roleId) ?? -1;
  }

  /** The role id at `index`; {@link UnknownRoleIndex} when the copy is shorter. */
  idAt(index: number): string {
    const id = this.#ids[index];
    if (id === undefined) throw new UnknownRoleIndex(index);
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

  /** The role ids among `roleIds` this dictionary does not hold (distinct, packable ids only). */
  missing(roleIds: Iterable<unknown>, into: Set<string>): void {
    for (const id of roleIds) if (isPackableId(id) && !this.#index.has(id)) into.add(id);
  }
}
