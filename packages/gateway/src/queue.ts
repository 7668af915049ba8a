/**
 * Ordering: items with the same key (a guild) are processed in arrival
 * order, one run at a time; different keys run concurrently, each run taking
 * every item queued for its key so far (a batch). An exclusive item (READY)
 * waits for every running key to finish, runs alone, and holds back every
 * item that arrived after it.
 */

/** Processes the items of one key, in order. Must not reject (the queue would log nothing). */
export type RunBatch<T> = (key: string, items: T[]) => Promise<void>;

interface Held<T> {
  readonly key: string;
  readonly item: T;
  readonly exclusive: boolean;
}

/** A per-key FIFO with concurrent keys and exclusive barriers. */
export class KeyedQueue<T> {
  readonly #run: RunBatch<T>;
  readonly #maxBatch: number;
  readonly #pending = new Map<string, T[]>();
  readonly #running = new Set<string>();
  /** Items waiting behind an exclusive item (the head of this list is the barrier). */
  readonly #held: Held<T>[] = [];
  #exclusiveRunning = false;
  #idleWaiters: (() => void)[] = [];
  #size = 0;

  constructor(run: RunBatch<T>, maxBatch = 1000) {
    this.#run = run;
    this.#maxBatch = maxBatch;
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
    if (!this.#running.has(key)) void this.#drain(key);
  }

  async #drain(key: string): Promise<void> {
    this.#running.add(key);
    try {
      for (;;) {
        const items = this.#pending.get(key);
        if (!items || items.length === 0) break;
        const batch = items.splice(0, this.#maxBatch);
        if (items.length === 0) this.#pending.delete(key);
        await this.#run(key, batch);
        this.#done(batch.length);
      }
    } finally {
      this.#running.delete(key);
      if (this.#running.size === 0) this.#release();
    }
  }

  /** Move held items forward: run the barrier when nothing else runs, then release what follows it. */
  #release(): void {
    while (this.#held.length > 0 && !this.#exclusiveRunning) {
      const head = this.#held[0] as Held<T>;
      if (!head.exclusive) {
        this.#held.shift();
        this.#enqueue(head.key, head.item);
        continue;
      }
      if (this.#running.size > 0) return;
      this.#held.shift();
      this.#exclusiveRunning = true;
      void this.#run(head.key, [head.item]).finally(() => {
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
