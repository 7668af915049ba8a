/**
 * The topology writer of a single node (or Sentinel): every key is on one server, so one script
 * call writes keys of many slots. A batch's value keys are one `sakeValues` call and its index
 * writes one `sakeIndexOps` call, each placed where the batch's first such write was (nothing else
 * in a batch writes those keys, so only their order among themselves matters: the call keeps it);
 * user buckets go in bounded groups per `sakeUserOps` call.
 */
import type { Arg, Command, Ctx, Eviction, IndexGroup, TopologyWriter, ValueWrite, WriteQueue } from '../context.js';

/**
 * Most buckets one user-ops call handles. 16, not 64: in a startup burst (400 guilds of 300
 * members) the longest calls were ~20 ms with 64 and ~10 ms with 16, at the same Redis CPU per
 * member (`node bench/dist/long-calls.js --guilds 400 --members 300`). A 30k-member ingest touched
 * ~1000 buckets per batch: one call per bucket made the calls' fixed cost the largest part of its
 * Redis time.
 */
const BUCKETS_PER_CALL = 16;
/** Most arguments one user-ops call carries (a bucket is never split across calls). */
const ARGS_PER_CALL = 20_000;

/** Run each bucket's user-ops arguments in as few calls as the bounds above allow. */
async function userOps(ctx: Ctx, work: ReadonlyArray<readonly [bucket: number, args: readonly Arg[]]>, now: number): Promise<number> {
  const calls: Array<Promise<number>> = [];
  let start = 0;
  while (start < work.length) {
    let end = start;
    let argc = 0;
    while (end < work.length && end - start < BUCKETS_PER_CALL && (end === start || argc + 1 + work[end]![1].length <= ARGS_PER_CALL)) {
      argc += 1 + work[end]![1].length;
      end++;
    }
    // One argument array per call, built in place (keys, now/TTL, then each bucket's count and
    // arguments): no intermediate arrays to copy (they were a visible share of an ingest's garbage).
    const out: Arg[] = [];
    for (let k = start; k < end; k++) out.push(ctx.keys.users(work[k]![0]));
    out.push(String(now), String(ctx.userTtlMs));
    for (let k = start; k < end; k++) {
      const args = work[k]![1];
      out.push(String(args.length));
      for (let i = 0; i < args.length; i++) out.push(args[i]!);
    }
    calls.push(ctx.conn.batched.sakeUserOpsMany(end - start, out));
    start = end;
  }
  const swept = await Promise.all(calls);
  return swept.reduce((a, n) => a + n, 0);
}

/** A batch's value writes: one `sakeValues` call per run of them in wave 1. */
class ValueCalls implements WriteQueue<ValueWrite> {
  /** The open call's arguments and its `S` writes (the call answers their previous values in order). */
  #open: { args: Arg[]; sets: ValueWrite[] } | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly wave1: Command[],
  ) {}

  push(write: ValueWrite): void {
    let call = this.#open;
    if (call === undefined) {
      const created = { args: [] as Arg[], sets: [] as ValueWrite[] };
      call = this.#open = created;
      this.wave1.push((ctx) => {
        const reply = ctx.conn.batched.sakeValuesBuffer(created.args);
        // A failed call fails the wave through `reply`; what the writes replaced is then never looked at.
        created.sets.forEach((set, j) =>
          set.replaced?.(
            reply.then(
              (r) => r[j] ?? null,
              () => null,
            ),
          ),
        );
        return reply;
      });
    }
    if (write.op === 'D') call.args.push('D', write.key);
    else call.args.push(write.op, write.key, write.bytes!, write.at === undefined ? '0' : String(write.at));
    if (write.op === 'S') call.sets.push(write);
  }

  close(): void {
    this.#open = undefined;
  }
}

/** A batch's index groups: one `sakeIndexOps` call per run of them in wave 1. */
class IndexCalls implements WriteQueue<IndexGroup> {
  #open: IndexGroup[] | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly wave1: Command[],
    private readonly now: string,
    private readonly evictions: Eviction[],
    private readonly kept: (group: IndexGroup) => readonly string[],
  ) {}

  push(group: IndexGroup): void {
    if (this.#open !== undefined) {
      this.#open.push(group);
      return;
    }
    const call: IndexGroup[] = [group];
    this.#open = call;
    this.wave1.push((ctx) => {
      const args: string[] = [this.now];
      for (const g of call) {
        if (g.op === 'R') args.push('R', g.key, String(g.args.length), ...g.args);
        else args.push('A', g.key, String(g.limit ?? 0), ...this.#evictionBlock(g), String(g.args.length / 2), ...g.args);
      }
      const reply = ctx.conn.batched.sakeIndexOps(args);
      // A failed call fails the wave through `reply`; the evictions are then never looked at.
      call.forEach((g, j) => {
        if (g.op === 'A' && g.limit !== undefined)
          this.evictions.push({
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

  close(): void {
    this.#open = undefined;
  }

  /**
   * The eviction block of an add group under a channel limit: the call deletes what the limit
   * evicts, with its other indexes, in Redis — but for the messages this batch adds to that index
   * (their author entries are written after this call, and a later add may put them back: the
   * caller settles them after the batch's writes) and any whose record it can't place.
   */
  #evictionBlock(group: IndexGroup): string[] {
    if (group.channelId === undefined) return [];
    const { keys, userBuckets, userTtlMs } = this.ctx;
    const kept = this.kept(group);
    return ['E', keys.prefix, String(userBuckets), String(userTtlMs), group.channelId, String(kept.length), ...kept];
  }
}

/** The single-node writer (see the module comment). */
export const singleNodeWriter: TopologyWriter = {
  crossSlot: true,
  userOps,
  values: (ctx, wave1) => new ValueCalls(ctx, wave1),
  indexes: (ctx, wave1, now, evictions, kept) => new IndexCalls(ctx, wave1, now, evictions, kept),
};
