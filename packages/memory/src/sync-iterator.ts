/** Iteration over what memory holds. */
import type { CacheIterator } from '@sake/abc';

/**
 * A {@link CacheIterator} over a synchronous source. Memory has nothing to
 * await, so `toArray()` collects the source directly instead of going
 * through an async generator per entry (what the listener's reads use).
 */
export class SyncSourceIterator<T> implements CacheIterator<T> {
  readonly #source: () => Iterable<T>;
  readonly #count: () => number;

  /**
   * @param source - the entries, read when iteration starts
   * @param count - how many there are, for `len()`
   */
  constructor(source: () => Iterable<T>, count: () => number) {
    this.#source = source;
    this.#count = count;
  }

  /** The entries, one by one. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    // The source runs on the first next(), so errors surface while iterating.
    yield* this.#source();
  }

  /** How many entries there are. */
  async len(): Promise<number> {
    return this.#count();
  }

  /** Every entry at once. */
  async toArray(): Promise<T[]> {
    return Array.from(this.#source());
  }
}
