/**
 * Ordering and batching: items with the same key (a guild) are processed in
 * arrival order, and a key is in at most one run at a time. Runs take the
 * queued items of every key that is not running (group commit), shared
 * evenly by the free slots: at most `maxRuns` runs are in flight (a run
 * slower than `slowRunMs` stops counting), and what arrives meanwhile waits
 * for the next one. Under load every busy guild's events share one batch, so the
 * per-batch cost of a write (round trips to the store, socket writes) is paid
 * once per run instead of once per guild; idle, an item runs at the end of
 * the tick it arrived in. An exclusive item (READY) waits until everything
 * queued before it has run, runs alone, and holds back every item that
 * arrived after it.
 */

/** Processes one run: the items of one or more keys, each key's in arrival order. Must not reject (the queue would log nothing). */
export type RunBatch<T> = (items: T[], keys: readonly string[]) => Promise<void>;

/** Options of {@link KeyedQueue}. */
export interface KeyedQueueOptions {
  /** Most items one run takes (a key with more is continued by a later run). Default 5 000. */
  maxBatch?: number;
  /**
   * Most runs in flight. Default 2: one run's writes overlap the next one's preparation.
   */
  maxRuns?: number;
  /**
   * A run in flight longer than this (ms) stops counting against `maxRuns`, so a slow run (a role
   * delete in a huge guild) holds back only the items it took, not every key after it. Default 50.
   */
  slowRunMs?: number;
}

interface Held<T> {
  readonly key: string;
  readonly item: T;
  readonly exclusive: boolean;
}

/** A per-key FIFO whose runs span keys, with a bound on runs in flight and exclusive barriers. */
export class KeyedQueue<T> {
  readonly #run: RunBatch<T>;
  readonly #maxBatch: number;
  readonly #maxRuns: number;
  /** Queued items per key, keys in the order they first had an item queued. */
  readonly #pending = new Map<string, T[]>();
  /** Keys with items in a run now. */
  readonly #running = new Set<string>();
  /** Runs in flight. */
  #runs = 0;
  /** Runs in flight that still count against maxRuns (not yet slow). */
  #active = 0;
  readonly #slowRunMs: number;
  /** Items waiting behind an exclusive item (the head of this list is the barrier). */
  readonly #held: Held<T>[] = [];
  #exclusiveRunning = false;
  #scheduled = false;
  #idleWaiters: (() => void)[] = [];
  #size = 0;

  constructor(run: RunBatch<T>, options: KeyedQueueOptions = {}) {
    const { maxBatch = 5000, maxRuns = 2, slowRunMs = 50 } = options;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new TypeError(`KeyedQueue: maxBatch must be a whole number ≥ 1, got ${String(maxBatch)}`);
    if (!Number.isInteger(maxRuns) || maxRuns < 1) throw new TypeError(`KeyedQueue: maxRuns must be a whole number ≥ 1, got ${String(maxRuns)}`);
    if (!(slowRunMs >= 0)) throw new TypeError(`KeyedQueue: slowRunMs must be a number of ms ≥ 0, got ${String(slowRunMs)}`);
    this.#run = run;
    this.#maxBatch = maxBatch;
    this.#maxRuns = maxRuns;
    this.#slowRunMs = slowRunMs;
  }

  /** Items queued or being processed. */
  get size(): number {
    return this.#size;
  }

  /** Queue `item` under `key` (an exclusive item runs alone, after everything queued before it). */
  push(key: string, item: T, exclusive = false): void {
    this.#size++;
    if (exclusive || this.#held.length > 0 || this.#exclusiveRunning) {
      this.#held.push({ key, item, exclusive });
      this.#release();
      return;
    }
    this.#enqueue(key, item);
  }

  /** Resolves once every queued item has been processed. */
  idle(): Promise<void> {
    if (this.#size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #enqueue(key: string, item: T): void {
    const items = this.#pending.get(key);
    if (items) items.push(item);
    else this.#pending.set(key, [item]);
    this.#schedule();
  }

  /** Start runs at the end of this tick: the items queued in the same tick share them. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#startRuns();
    });
  }

  #startRuns(): void {
    while (this.#active < this.#maxRuns && !this.#exclusiveRunning) {
      let waiting = 0;
      for (const [key, queued] of this.#pending) if (!this.#running.has(key)) waiting += queued.length;
      if (waiting === 0) break;
      // What waits is shared by the free slots: with two runs in flight, one's round trips to the
      // store overlap the other's work (a single run of everything would leave this process idle
      // during each of its waits).
      const target = Math.min(this.#maxBatch, Math.ceil(waiting / (this.#maxRuns - this.#active)));
      const items: T[] = [];
      const keys: string[] = [];
      for (const [key, queued] of this.#pending) {
        if (items.length >= target) break;
        if (this.#running.has(key)) continue;
        const room = this.#maxBatch - items.length;
        const taken = queued.length <= room ? queued : queued.splice(0, room);
        if (taken === queued) this.#pending.delete(key);
        for (const item of taken) items.push(item);
        keys.push(key);
      }
      for (const key of keys) this.#running.add(key);
      this.#runs++;
      this.#active++;
      let counted = true;
      const slow = setTimeout(() => {
        counted = false;
        this.#active--;
        this.#schedule();
      }, this.#slowRunMs);
      // A slow run must not keep the process alive by itself.
      slow.unref();
      void this.#run(items, keys).finally(() => {
        clearTimeout(slow);
        if (counted) this.#active--;
        this.#runs--;
        for (const key of keys) this.#running.delete(key);
        this.#done(items.length);
        this.#release();
        this.#schedule();
      });
    }
  }

  /** Move held items forward: run the barrier once everything before it has run, then release what follows it. */
  #release(): void {
    while (this.#held.length > 0 && !this.#exclusiveRunning) {
      const head = this.#held[0] as Held<T>;
      if (!head.exclusive) {
        this.#held.shift();
        this.#enqueue(head.key, head.item);
        continue;
      }
      // Items queued before the barrier go first (their runs are scheduled); the end of each run calls this again.
      if (this.#runs > 0 || this.#pending.size > 0) return;
      this.#held.shift();
      this.#exclusiveRunning = true;
      void this.#run([head.item], [head.key]).finally(() => {
        this.#exclusiveRunning = false;
        this.#done(1);
        this.#release();
      });
      return;
    }
  }

  #done(count: number): void {
    this.#size -= count;
    if (this.#size === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
