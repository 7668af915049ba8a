/**
 * A batch's writes to the expiring indexes of messages and invites (all, by guild, by channel), in
 * wave 1. Adds to one index and removals from one index are grouped, one group per index as long
 * as no opposite op on the same id (or, under a channel limit, any opposite op) comes between.
 * The groups go out through the topology's writer (writers/: one `sakeIndexOps` call for the wave
 * on a single node, a command per group on a cluster). An index whose channel limit may evict
 * reports the evicted ids ({@link IndexWrites.evictions}).
 */
import type { Command, Ctx, Eviction, IndexGroup, WriteQueue } from '../context.js';

/** The index writes of one batch (see the module comment). */
export class IndexWrites {
  readonly #evictions: Eviction[] = [];
  /** Open add groups, by index key. */
  readonly #adds = new Map<string, IndexGroup>();
  /** Open removal groups, by index key. */
  readonly #removals = new Map<string, IndexGroup>();
  /** Channel index key → the message ids this batch adds to it (kept out of the call's own deletes). */
  readonly #channelAdds = new Map<string, Set<string>>();
  /** Where the groups go (the topology's: one call on a single node, a command each on a cluster). */
  readonly #queue: WriteQueue<IndexGroup>;

  /**
   * @param ctx - the cache's shared state
   * @param now - the time expired entries are dropped at (epoch ms)
   * @param wave1 - the plan's wave-1 command list, which these writes join in batch order
   */
  constructor(ctx: Ctx, now: number, wave1: Command[]) {
    this.#queue = ctx.writer.indexes(ctx, wave1, String(now), this.#evictions, (group) => [...(this.#channelAdds.get(group.key) ?? [])]);
  }

  /** The channel indexes whose limit may evict, once wave 1 has placed their calls. */
  get evictions(): readonly Eviction[] {
    return this.#evictions;
  }

  /** Wave 1 has gone out: later writes (the evicted messages' deletes) start new groups and a new call. */
  close(): void {
    this.#adds.clear();
    this.#removals.clear();
    this.#queue.close();
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
      this.#queue.push(group);
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
      this.#queue.push(group);
    }
    group.ids.add(id);
    group.args.push(id);
  }
}
