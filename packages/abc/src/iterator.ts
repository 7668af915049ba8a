/**
 * An asynchronous iterator over the entries of one cache store (or one index
 * of it, such as the members of a guild).
 *
 * Creating one does no I/O; errors (`BackendError`, `InvalidDataFound`)
 * surface while iterating, never at the call that returned the iterator.
 */
export interface CacheIterator<T> extends AsyncIterable<T> {
  /**
   * Count the entries this iterator covers, without consuming it.
   *
   * The count is taken at the time of the call: while writes happen it may
   * differ from what a later iteration yields. Expired entries (a `ttlMs`
   * that has passed) are never counted, even when the store has not freed
   * them yet: with no write in between, `len()` equals the number of entries
   * iteration yields.
   */
  len(): Promise<number>;

  /** Collect every entry into an array (loads them all: prefer `for await` on large stores). */
  toArray(): Promise<T[]>;
}

/** Where a {@link LazyCacheIterator} pulls its entries from. */
export type IteratorSource<T> = () => AsyncIterable<T> | Iterable<T>;

/**
 * The ready-made {@link CacheIterator} a backend returns: it calls `source`
 * only when iteration starts (so errors surface while iterating) and `count`
 * for `len()`.
 */
export class LazyCacheIterator<T> implements CacheIterator<T> {
  readonly #source: IteratorSource<T>;
  readonly #count: () => Promise<number>;

  constructor(source: IteratorSource<T>, count: () => Promise<number>) {
    this.#source = source;
    this.#count = count;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* this.#source();
  }

  len(): Promise<number> {
    // Wrap so a synchronous throw in `count` becomes a rejection.
    return Promise.resolve().then(() => this.#count());
  }

  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const entry of this) out.push(entry);
    return out;
  }
}
