/**
 * Values longer than Redis' default `hash-max-listpack-value` (64 bytes) would
 * turn their whole bucket into a hashtable (~3× the memory). So member and
 * user records longer than that are stored split: a 64-byte head (marker byte
 * + the record's first 63 bytes) in the bucket, and the rest under the same
 * field in the bucket's tail hash. Readers fetch a tail only for a marked head.
 */
import { InvalidDataFound } from '@sake/abc';

/** First byte of a split head (never the first byte of a record: headers are resource × 16 + version ≤ 0xBF). */
export const SPLIT_MARK = 0xff;

/** Longest value kept in one piece (Redis' default hash-max-listpack-value). */
export const MAX_PIECE = 64;

/** The stored pieces of a record: `tail` is empty when it fits in one piece. */
export interface Pieces {
  head: Buffer;
  tail: Buffer | '';
}

/** Split a record into its stored head and tail. */
export function splitRecord(bytes: Buffer): Pieces {
  if (bytes.length <= MAX_PIECE) return { head: bytes, tail: '' };
  const head = Buffer.allocUnsafe(MAX_PIECE);
  head[0] = SPLIT_MARK;
  bytes.copy(head, 1, 0, MAX_PIECE - 1);
  return { head, tail: bytes.subarray(MAX_PIECE - 1) };
}

/** Whether a stored head needs its tail. */
export function isSplit(head: Uint8Array): boolean {
  return head.length > 0 && head[0] === SPLIT_MARK;
}

/** The record from its stored head and tail (`where` names the entry for the error when the tail is missing). */
export function joinRecord(head: Uint8Array, tail: Uint8Array | null | undefined, where: string): Uint8Array {
  if (!isSplit(head)) return head;
  if (!tail || tail.length === 0) throw new InvalidDataFound(where, 'split value whose tail is missing');
  const out = Buffer.allocUnsafe(head.length - 1 + tail.length);
  out.set(head.subarray(1), 0);
  out.set(tail, head.length - 1);
  return out;
}
