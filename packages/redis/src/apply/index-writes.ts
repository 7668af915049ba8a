/**
 * A batch's writes to the expiring indexes of messages and invites (all, by guild, by channel), in
 * wave 1. Adds to one index and removals from one index are grouped, one group per index as long
 * as no opposite op on the same id (or, under a channel limit, any opposite op) comes between. On
 * a single node every group of the wave goes out in one `sakeIndexOps` call, placed where the
 * first index write was (nothing else in a batch writes these keys, so only their order among
 * themselves matters: the call keeps it); on a cluster each group is a command of its own (an add
 * group's `sakeIndexAdd`, a removal group's `ZREM` and prune). An index whose channel limit may
 * evict reports the evicted ids ({@link IndexWrites.evictions}).
 */
import type { Ctx } from '../context.js';
import type { Command } from './commands.js';

/** Adds to (or removals from) one expiring index that go out together. */
interface IndexGroup {
  /** `A`: adds, `R`: removals. */
  readonly op: 'A' | 'R';
  readonly key: string;
  /** The channel limit the adds evict with. */
  readonly limit: number | undefined;
  /** The channel whose index `key` is, for adds under a limit (the eviction block names it). */
  readonly channelId: string | undefined;
  /** The ids in the group (a later opposite op on one of them starts a new group). */
  readonly ids: Set<string>;
  /** (score, id) pairs for adds, ids for removals. */
  readonly args: string[];
}

/** A channel index whose limit may evict, with the ids it evicted (from wave 1). */
export interface Eviction {
  readonly index: string;
  readonly evicted: Promise<string[]>;
}

/** The index writes of one batch (see the module comment). */
export class IndexWrites {
  readonly #ctx: Ctx;
  readonly #now: string;
  readonly #wave1: Command[];
  readonly #evictions: Eviction[] = [];
  /** Open add groups, by index key. */
  readonly #adds = new Map<string, IndexGroup>();
  /** Open removal groups, by index key. */
  readonly #removals = new Map<string, IndexGroup>();
  /** Channel index key → the message ids this batch adds to it (kept out of the call's own deletes). */
  readonly #channelAdds = new Map<string, Set<string>>();
  /** The groups of the open single-node call, in order (undefined: none open). */
  #call: IndexGroup[] | undefined;

  /**
   * @param ctx - the cache's shared state
   * @param now - the time expired entries are dropped at (epoch ms)
   * @param wave1 - the plan's wave-1 command list, which these writes join in batch order
   */
  constructor(ctx: Ctx, now: number, wave1: Command[]) {
    this.#ctx = ctx;
    this.#now = String(now);
    this.#wave1 = wave1;
  }

  /** The channel indexes whose limit may evict, once wave 1 has placed their calls. */
  get evictions(): readonly Eviction[] {
    return this.#evictions;
  }

  /** Wave 1 has gone out: later writes (the evicted messages' deletes) start new groups and a new call. */
  close(): void {
    this.#adds.clear();
    this.#removals.clear();
    this.#call = undefined;
  }

  /** Add `id` with `score` ('inf': no expiry) to index `key`; with a channel `limit`, evicting the smallest ids beyond it. */
  add(key: string, limit: number | undefined, score: string, id: string, channelId?: string): void {
    // A removal of this id from this index, queued earlier, must not be overtaken; nor, under a
    // channel limit, any removal (what is evicted depends on how many ids are in the index then).
    const removals = this.#removals.get(key);
    if (removals !== undefined && (limit !== undefined || removals.ids.has(id))) {
      this.#removals.delete(key);
      this.#adds.delete(key);
    }
    let group = this.#adds.get(key);
    if (group !== undefined && group.limit !== limit) group = undefined;
    if (group === undefined) {
      group = { op: 'A', key, limit, channelId: limit === undefined ? undefined : channelId, ids: new Set(), args: [] };
      this.#adds.set(key, group);
      this.#place(group);
    }
    group.ids.add(id);
    group.args.push(score, id);
    if (channelId !== undefined) {
      const added = this.#channelAdds.get(key);
      if (added) added.add(id);
      else this.#channelAdds.set(key, new Set([id]));
    }
  }

  /** Remove `id` from index `key` and drop its expired entries (an emptied index disappears). */
  remove(key: string, id: string): void {
    // An add of this id to this index, queued earlier, must not be overtaken; under a channel
    // limit no add may be (the removal changes what a later add evicts).
    const adds = this.#adds.get(key);
    if (adds !== undefined && (adds.limit !== undefined || adds.ids.has(id))) {
      this.#adds.delete(key);
      this.#removals.delete(key);
    }
    let group = this.#removals.get(key);
    if (group === undefined) {
      group = { op: 'R', key, limit: undefined, channelId: undefined, ids: new Set(), args: [] };
      this.#removals.set(key, group);
      this.#place(group);
    }
    group.ids.add(id);
    group.args.push(id);
  }

  /** Put a new group in wave 1: into the open single-node call (opening one), or as a command of its own. */
  #place(group: IndexGroup): void {
    if (this.#ctx.conn.isCluster) {
      this.#wave1.push((ctx) => this.#alone(ctx, group));
      return;
    }
    if (this.#call !== undefined) {
      this.#call.push(group);
      return;
    }
    const call: IndexGroup[] = [group];
    this.#call = call;
    this.#wave1.push((ctx) => {
      const args: string[] = [this.#now];
      for (const g of call) {
        if (g.op === 'R') args.push('R', g.key, String(g.args.length), ...g.args);
        else args.push('A', g.key, String(g.limit ?? 0), ...this.#evictionBlock(ctx, g), String(g.args.length / 2), ...g.args);
      }
      const reply = ctx.conn.batched.sakeIndexOps(args);
      // A failed call fails the wave through `reply`; the evictions are then never looked at.
      call.forEach((g, j) => {
        if (g.op === 'A' && g.limit !== undefined)
          this.#evictions.push({
            index: g.key,
            evicted: reply.then(
              (r) => r[j] ?? [],
              () => [],
            ),
          });
      });
      return reply;
    });
  }

  /** A group as a command of its own (cluster: each index is in a slot of its own). */
  #alone(ctx: Ctx, group: IndexGroup): Promise<unknown> {
    const batched = ctx.conn.batched;
    if (group.op === 'R') return Promise.all([batched.zrem(group.key, ...group.args), batched.zremrangebyscore(group.key, '-inf', this.#now)]);
    const evicted = batched.sakeIndexAdd(group.key, [this.#now, String(group.limit ?? 0), ...group.args]);
    if (group.limit !== undefined) this.#evictions.push({ index: group.key, evicted });
    return evicted;
  }

  /**
   * The eviction block of an add group under a channel limit (single node): the call deletes what
   * the limit evicts, with its other indexes, in Redis — but for the messages this batch adds to
   * that index (their author entries are written after this call, and a later add may put them
   * back: the caller settles them after the batch's writes) and any whose record it can't place.
   */
  #evictionBlock(ctx: Ctx, group: IndexGroup): string[] {
    if (group.channelId === undefined) return [];
    const kept = [...(this.#channelAdds.get(group.key) ?? [])];
    return ['E', ctx.keys.prefix, String(ctx.userBuckets), String(ctx.userTtlMs), group.channelId, String(kept.length), ...kept];
  }
}
