/**
 * Reading and growing stored id dictionaries (codec/dictionary.ts): the
 * part of a dictionary beyond a process's copy (one `GETRANGE`), and atomic
 * additions through `sakeDictionaryAdd` (scripts/dictionary-add.lua), both
 * answering the stored dictionary from the copy's length on.
 */
import { InvalidDataFound } from '@sake/abc';
import { UnknownIndex, type IdDictionary } from '../codec/dictionary.js';
import { writeId } from '../codec/ids.js';
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
  // Only ids the copy lacks now (another call may have extended it since they were noted): the
  // script searches just the stored part beyond the copy for them.
  const known = copy.size;
  const lacking = [...ids].filter((id) => copy.indexOf(id) < 0);
  if (lacking.length === 0) return;
  const packed = Buffer.allocUnsafe(lacking.length * 8);
  let at = 0;
  for (const id of lacking) {
    writeId(packed, at, id);
    at += 8;
  }
  const rest = await conn
    .run('sakeDictionaryAdd', () => conn.scripts.sakeDictionaryAddBuffer(key, known, packed), key)
    .catch((err: unknown) => {
      // The script refuses a dictionary that can't be one (see scripts/dictionary-add.lua).
      if (err instanceof Error && err.message.includes('sake: dictionary'))
        throw new InvalidDataFound(key, `a dictionary of the wrong length (${err.message})`, { cause: err });
      throw err;
    });
  extend(copy, key, known, rest);
}

/**
 * Run `decode` (a synchronous decode of bytes already read) with the copy `copy`; when what it
 * decodes refers to an index the copy does not have yet, `refresh` it and decode once more. Still
 * unknown after that: the stored value refers to nothing stored, `InvalidDataFound` naming the
 * entry (the error's `where`, else `key()`) and saying `what` index it was (`role`, `guild`).
 * Synchronous when the copy knows every index (the common case on a hot path).
 */
export function decodeRefreshing<T>(
  copy: IdDictionary,
  refresh: () => Promise<IdDictionary>,
  decode: (dict: IdDictionary) => T,
  key: () => string,
  what: string,
): T | Promise<T> {
  try {
    return decode(copy);
  } catch (err) {
    if (!(err instanceof UnknownIndex)) throw err;
    return refresh().then((dict) => {
      try {
        return decode(dict);
      } catch (again) {
        if (again instanceof UnknownIndex) {
          throw new InvalidDataFound(again.where ?? key(), `refers to ${what} index ${again.index}, beyond the ${what} dictionary (${dict.size} entries)`, {
            cause: again,
          });
        }
        throw again;
      }
    });
  }
}
