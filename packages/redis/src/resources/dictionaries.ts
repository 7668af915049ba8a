/**
 * Reading and growing stored id dictionaries (codec/dictionary.ts): the
 * part of a dictionary beyond a process's copy (one `GETRANGE`), and atomic
 * additions through `sakeDictionaryAdd` (scripts/dictionary-add.ts), both
 * answering the stored dictionary from the copy's length on.
 */
import { InvalidDataFound } from '@sake/abc';
import type { IdDictionary } from '../codec/dictionary.js';
import { idBytes } from '../codec/ids.js';
import type { Connection } from '../connection.js';

/** Extend `copy` with the stored dictionary under `key` beyond index `known` (`copy.size` when read). */
function extend(copy: IdDictionary, key: string, known: number, bytes: Buffer): void {
  if (bytes.length % 8 !== 0) throw new InvalidDataFound(key, `a dictionary of ${known * 8 + bytes.length} bytes (not a multiple of 8)`);
  // Another refresh or addition may have extended the copy meanwhile: extendAt takes only what is new.
  copy.extendAt(known, bytes);
}

/** Read what the dictionary under `key` has beyond `copy` into it. */
export async function refreshDictionary(conn: Connection, key: string, copy: IdDictionary): Promise<void> {
  const known = copy.size;
  const bytes = await conn.run('GETRANGE', (c) => c.getrangeBuffer(key, known * 8, -1), key);
  extend(copy, key, known, bytes);
}

/** Make sure the dictionary under `key` holds `ids` (appended atomically when absent) and `copy` knows them. */
export async function addToDictionary(conn: Connection, key: string, copy: IdDictionary, ids: ReadonlySet<string>): Promise<void> {
  const known = copy.size;
  const packed = Buffer.allocUnsafe(ids.size * 8);
  let at = 0;
  for (const id of ids) {
    idBytes(id).copy(packed, at);
    at += 8;
  }
  const rest = await conn.run('sakeDictionaryAdd', () => conn.scripts.sakeDictionaryAddBuffer(key, known, packed), key).catch((err: unknown) => {
    // The script refuses a dictionary that can't be one (see scripts/dictionary-add.ts).
    if (err instanceof Error && err.message.includes('sake: dictionary')) throw new InvalidDataFound(key, `a dictionary of the wrong length (${err.message})`, { cause: err });
    throw err;
  });
  extend(copy, key, known, rest);
}
