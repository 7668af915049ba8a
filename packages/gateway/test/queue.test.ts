/**
 * KeyedQueue: each key's items in arrival order and in one run at a time;
 * runs shared by every key that is not running (group commit), at most
 * `maxRuns` in flight; exclusive items run alone, after everything queued
 * before them and before everything queued after them.
 */
import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../src/queue.js';

interface Item {
  key: string;
  n: number;
}

/** Let queued microtasks (the queue's end-of-tick scheduling) run. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A queue whose runs finish only when the test says so; records every run. */
function controlled(options: ConstructorParameters<typeof KeyedQueue<Item>>[1] = {}) {
  const runs: Array<{ items: string[]; keys: readonly string[]; finish: () => void }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const queue = new KeyedQueue<Item>(
    (items, keys) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<void>((resolve) => {
        runs.push({
          items: items.map((i) => `${i.key}${i.n}`),
          keys,
          finish: () => {
            inFlight--;
            resolve();
          },
        });
      });
    },
    { slowRunMs: 60_000, ...options },
  ); // runs last as long as a test holds them: none is slow unless the test says so
  const push = (key: string, n: number, exclusive = false): void => queue.push(key, { key, n }, exclusive);
  /** The items of every run started so far. */
  const started = (): string[][] => runs.map((r) => r.items);
  /** Finish run `i` and let the queue react. */
  const finish = async (i: number): Promise<void> => {
    runs[i]!.finish();
    await tick();
  };
  return { queue, runs, push, started, finish, maxInFlight: () => maxInFlight };
}

describe('KeyedQueue', () => {
  it('puts the items of every key queued in one tick into one run, each key in order', async () => {
    const { runs, push } = controlled({ maxRuns: 1 });
    push('a', 1);
    push('b', 1);
    push('a', 2);
    push('c', 1);
    push('b', 2);
    await tick();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.items).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    expect(runs[0]!.keys).toEqual(['a', 'b', 'c']);
  });

  it('shares what waits between the free slots, whole keys per run', async () => {
    const { runs, push, started } = controlled({ maxRuns: 2 });
    for (let n = 1; n <= 4; n++) push('a', n);
    for (let n = 1; n <= 3; n++) push('b', n);
    push('c', 1);
    push('d', 1);
    await tick();
    // 9 items for 2 free slots: the first run takes keys until it has 5, the second the rest.
    expect(started()).toEqual([
      ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3'],
      ['c1', 'd1'],
    ]);
    runs[1]!.finish();
    push('e', 1);
    push('a', 5);
    await tick();
    // One slot free: the next run takes all that waits for a key not running (a is).
    expect(runs[2]!.items).toEqual(['e1']);
  });

  it('never has a key in two runs, and starts at most maxRuns at once', async () => {
    const { runs, push, maxInFlight, queue, started, finish } = controlled({ maxRuns: 2 });
    push('a', 1);
    await tick();
    push('a', 2);
    push('b', 1);
    await tick();
    // a is running: the second run takes b only; a2 waits for a's run.
    expect(started()).toEqual([['a1'], ['b1']]);
    push('c', 1);
    await tick();
    expect(runs).toHaveLength(2);
    await finish(1);
    // A slot is free but a is still running: the next run takes c, not a2.
    expect(started()).toEqual([['a1'], ['b1'], ['c1']]);
    await finish(0);
    expect(started()).toEqual([['a1'], ['b1'], ['c1'], ['a2']]);
    runs[2]!.finish();
    runs[3]!.finish();
    await queue.idle();
    expect(maxInFlight()).toBe(2);
    expect(queue.size).toBe(0);
  });

  it('continues a key longer than maxBatch in later runs, in order', async () => {
    const { runs, push, finish } = controlled({ maxBatch: 3, maxRuns: 1 });
    for (let n = 1; n <= 7; n++) push('a', n);
    push('b', 1);
    await tick();
    expect(runs[0]!.items).toEqual(['a1', 'a2', 'a3']);
    await finish(0);
    expect(runs[1]!.items).toEqual(['a4', 'a5', 'a6']);
    await finish(1);
    expect(runs[2]!.items).toEqual(['a7', 'b1']);
  });

  it('runs an exclusive item alone, after what came before it and before what came after it', async () => {
    const { runs, push, queue, started, finish } = controlled({ maxRuns: 1 });
    push('a', 1);
    await tick();
    push('b', 1);
    push('x', 1, true);
    push('a', 2);
    push('c', 1);
    await tick();
    expect(started()).toEqual([['a1']]);
    await finish(0);
    // b1 was queued before the barrier: it runs first, without the items held behind the barrier.
    expect(started()).toEqual([['a1'], ['b1']]);
    await finish(1);
    expect(started()).toEqual([['a1'], ['b1'], ['x1']]);
    await finish(2);
    expect(started()).toEqual([['a1'], ['b1'], ['x1'], ['a2', 'c1']]);
    runs[3]!.finish();
    await queue.idle();
  });

  it('stops counting a slow run against maxRuns: what comes after it is not held back', async () => {
    const { runs, push, queue, started, finish } = controlled({ maxRuns: 1, slowRunMs: 10 });
    push('a', 1);
    await tick();
    push('b', 1);
    await tick();
    expect(started()).toEqual([['a1']]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // a's run is slow: b runs beside it; a's own next item still waits for it.
    push('a', 2);
    await tick();
    expect(started()).toEqual([['a1'], ['b1']]);
    await finish(0);
    expect(started()).toEqual([['a1'], ['b1'], ['a2']]);
    runs[1]!.finish();
    runs[2]!.finish();
    await queue.idle();
    // The slow run, once finished, gave back no slot it no longer held: one run at a time again.
    push('c', 1);
    await tick();
    push('d', 1);
    await tick();
    expect(started().slice(3)).toEqual([['c1']]);
    await finish(3);
    expect(started().slice(3)).toEqual([['c1'], ['d1']]);
    runs[4]!.finish();
    await queue.idle();
  });

  it('resolves idle() once every item has run, and at once when empty', async () => {
    const { push, queue, finish } = controlled();
    await queue.idle();
    push('a', 1);
    let idle = false;
    void queue.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    await finish(0);
    expect(idle).toBe(true);
  });

  it('rejects options that are not whole numbers of at least 1', () => {
    const run = async (): Promise<void> => {};
    expect(() => new KeyedQueue(run, { maxRuns: 0 })).toThrow(TypeError);
    expect(() => new KeyedQueue(run, { maxBatch: 1.5 })).toThrow(TypeError);
    expect(() => new KeyedQueue(run, { slowRunMs: Number.NaN })).toThrow(TypeError);
  });
});
