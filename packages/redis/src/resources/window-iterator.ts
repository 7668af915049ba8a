/**
 * A {@link CacheIterator} fed by windows (arrays) of entries instead of one
 * entry at a time: iteration already fetches and decodes a window at once,
 * and passing each entry through two nested async generators (the reader's
 * and `LazyCacheIterator`'s) cost more per member than decoding it. `next()`
 * answers from the current window with an already resolved promise.
 *
 * Same contract as `LazyCacheIterator`: `source` is called only when
 * iteration starts (errors surface while iterating, never at the call), each
 * `for await` starts over, `return()` (a `break`) stops the source.
 */
import type { CacheIterator } from '@sake/abc';

/** Where a {@link WindowIterator} pulls its windows from. */
export type WindowSource<T> = () => AsyncIterable<readonly T[]>;

/** See the module comment. */
export class WindowIterator<T> implements CacheIterator<T> {
  readonly #source: WindowSource<T>;
  readonly #count: () => Promise<number>;

  constructor(source: WindowSource<T>, count: () => Promise<number>) {
    this.#source = source;
    this.#count = count;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new WindowCursor(this.#source);
  }

  len(): Promise<number> {
    // Wrap so a synchronous throw in `count` becomes a rejection.
    return Promise.resolve().then(() => this.#count());
  }

  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const window of this.#source()) for (const entry of window) out.push(entry);
    return out;
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** One pass over a {@link WindowSource}. */
class WindowCursor<T> implements AsyncIterator<T> {
  readonly #source: WindowSource<T>;
  #windows: AsyncIterator<readonly T[]> | undefined;
  #window: readonly T[] = [];
  #at = 0;
  #done = false;
  /** The pull in progress: calls of `next()` that overlap it wait for it (an async generator queues them likewise). */
  #pulling: Promise<IteratorResult<T>> | undefined;

  constructor(source: WindowSource<T>) {
    this.#source = source;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#pulling) return this.#pulling.then(() => this.next());
    if (this.#at < this.#window.length) return Promise.resolve({ done: false, value: this.#window[this.#at++]! });
    if (this.#done) return Promise.resolve(DONE);
    const pulling = this.#pull();
    this.#pulling = pulling;
    const clear = (): void => {
      if (this.#pulling === pulling) this.#pulling = undefined;
    };
    pulling.then(clear, clear);
    return pulling;
  }

  async #pull(): Promise<IteratorResult<T>> {
    try {
      this.#windows ??= this.#source()[Symbol.asyncIterator]();
      for (;;) {
        if (this.#done) return DONE;
        const step = await this.#windows.next();
        if (step.done) {
          this.#finish();
          return DONE;
        }
        if (step.value.length > 0) {
          this.#window = step.value;
          this.#at = 1;
          return { done: false, value: step.value[0]! };
        }
      }
    } catch (err) {
      this.#finish();
      throw err;
    }
  }

  #finish(): void {
    this.#done = true;
    this.#window = [];
    this.#at = 0;
  }

  async return(): Promise<IteratorResult<T>> {
    const windows = this.#windows;
    const wasDone = this.#done;
    this.#finish();
    if (windows && !wasDone) await windows.return?.();
    return DONE;
  }
}
