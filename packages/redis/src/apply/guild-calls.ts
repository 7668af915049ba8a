/**
 * One guild's `sakeGuildOps` arguments cut into calls of bounded cost. Redis serves no other client
 * while a script runs, and a batch of member chunks (5 000 members by the listener's default) was
 * one call of 10–30 ms. A call here carries at most {@link MEMBERS_PER_CALL} members; an op with more
 * (a long `MS` run, a large `RM`) is cut, its members grouped by bucket, into ops of the same meaning:
 *  - `MS n k pieces` → several `MS` ops, each over a share of its members;
 *  - `RM n count k pieces` → `RM` over the first share (it still clears every member and sizes the
 *    buckets by `count`), then `MS` ops over the rest.
 * The calls go out together, in order, on one connection: each is atomic, the guild's ops keep their
 * order, and a batch under the bound stays one call. The replies are put back together as one reply
 * per original op (the continuations' empty replies dropped), so `followUp` reads them unchanged: an
 * `RM` whose first call names as removed a member a later piece sets again is set again by its record.
 */
import type { Arg, Ctx } from '../context.js';
import { PIECE_BYTES } from './guild-ops.js';

/**
 * Most members (set, merged, deleted or replaced) one call carries: ~2 ms of Redis time on a 2-core
 * VM, leaving room under 10 ms for the stalls a busy machine adds to a call.
 */
export const MEMBERS_PER_CALL = 500;

/** A guild's calls, and how to put their replies back together. */
export interface GuildCalls {
  /** Each call's arguments after the bucket-count hint. */
  calls: Arg[][];
  /** Per call, per op: whether its reply is an original op's (false: a continuation of a cut op); undefined when nothing was cut. */
  own?: boolean[][];
}

/** Arguments each op takes after its opcode, given its first arguments (see scripts/guild-ops.lua). */
function opLength(args: readonly Arg[], at: number): number {
  switch (args[at]) {
    case 'G':
    case 'Go':
      return 2;
    case 'g':
    case 'go':
    case 'CM':
      return 1;
    case 'S':
    case 'So':
      return 4;
    case 'D':
    case 'Do':
    case 'm':
      return 3;
    case 'C':
      return 2;
    case 'R':
      return 3 + 2 * Number(args[at + 2]);
    case 'MM':
      return 5;
    case 'MMo':
      return 7;
    case 'mo':
      return 5;
    case 'MS':
      return 3 + Number(args[at + 2]);
    case 'RM':
      return 4 + Number(args[at + 3]);
    default:
      throw new Error(`guild ops: unknown op ${String(args[at])}`);
  }
}

/** Members an op weighs: what it sets, merges, deletes or replaces (a child replace: its children; anything else 1). */
function opWeight(args: readonly Arg[], at: number): number {
  const op = args[at];
  if (op === 'MS' || op === 'RM') return Number(args[at + 1]);
  return op === 'R' ? Number(args[at + 2]) : 1;
}

/** Cut `args` (one guild's ops) into calls of at most `limit` members (see the module comment). */
export function guildCalls(args: Arg[], limit = MEMBERS_PER_CALL): GuildCalls {
  // Nearly every batch is under the bound: one call with the arguments as they are.
  let total = 0;
  for (let at = 0; at < args.length && total <= limit; at += opLength(args, at)) total += opWeight(args, at);
  if (total <= limit) return { calls: [args] };
  const calls: Arg[][] = [];
  const own: boolean[][] = [];
  let call: Arg[] = [];
  let mine: boolean[] = [];
  let weight = 0;
  const close = (): void => {
    calls.push(call);
    own.push(mine);
    call = [];
    mine = [];
    weight = 0;
  };
  const add = (op: readonly Arg[], w: number, original: boolean): void => {
    if (weight > 0 && weight + w > limit) close();
    for (const a of op) call.push(a);
    mine.push(original);
    weight += w;
  };
  for (let at = 0; at < args.length;) {
    const len = opLength(args, at);
    const op = args[at];
    if (op === 'MS' || op === 'RM') {
      const head = op === 'MS' ? 3 : 4;
      cutRun(args.slice(at, at + head), args.slice(at + head, at + len) as Buffer[], limit, add, () => weight);
    } else {
      // A child replace is never cut: its children are cheap to write.
      add(args.slice(at, at + len), opWeight(args, at), true);
    }
    at += len;
  }
  if (call.length > 0 || calls.length === 0) close();
  return { calls, own };
}

/** One packed member entry of a run: where its bytes are and its bucket order. */
interface RunEntry {
  piece: Buffer;
  start: number;
  end: number;
  order: number;
}

/**
 * The low 16 bits of a bucket seed, reversed. A guild's bucket count is a power of two up to 2^16
 * (the script's `seed % buckets`), so in this order the members of one bucket sit together for
 * every bucket count: a cut run's calls each write whole buckets, one HSET per bucket, as the
 * uncut run did. (In batch order, 500 members of a 1 024-bucket guild made ~500 HSETs, each
 * rewriting a bucket's listpack: +15–20 % Redis CPU over an ingest.)
 */
function bucketOrder(seed: number): number {
  let x = seed & 0xffff;
  let r = 0;
  for (let i = 0; i < 16; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r;
}

/** A run's entries (codec/writer.ts EntryList: id8, seed u32, length u32, bytes) in bucket order; a member set twice keeps its order. */
function entriesByBucket(pieces: readonly Buffer[]): RunEntry[] {
  const out: RunEntry[] = [];
  for (const piece of pieces) {
    for (let p = 0; p < piece.length;) {
      const end = p + 16 + piece.readUInt32BE(p + 12);
      out.push({ piece, start: p, end, order: bucketOrder(piece.readUInt32BE(p + 8)) });
      p = end;
    }
  }
  // Array#sort is stable: entries of one member (one seed) stay in batch order, the last one wins.
  return out.sort((a, b) => a.order - b.order);
}

/** `entries` packed into pieces of at most ~PIECE_BYTES each. */
function repack(entries: readonly RunEntry[]): Buffer[] {
  const out: Buffer[] = [];
  let part: Buffer[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (bytes > 0 && bytes + e.end - e.start > PIECE_BYTES) {
      out.push(Buffer.concat(part, bytes));
      part = [];
      bytes = 0;
    }
    part.push(e.piece.subarray(e.start, e.end));
    bytes += e.end - e.start;
  }
  if (bytes > 0) out.push(Buffer.concat(part, bytes));
  return out;
}

/**
 * Add an `MS`/`RM` op (`head`: opcode and counts, `pieces` its packed members) as ops of at most
 * `limit` members each, in bucket order (see {@link bucketOrder}); the first fills what the current
 * call has room for.
 */
function cutRun(
  head: readonly Arg[],
  pieces: readonly Buffer[],
  limit: number,
  add: (op: readonly Arg[], weight: number, original: boolean) => void,
  weight: () => number,
): void {
  const total = Number(head[1]);
  if (total <= limit) {
    add([...head, ...pieces], total, true);
    return;
  }
  const entries = entriesByBucket(pieces);
  let room = weight() < limit ? limit - weight() : limit;
  for (let at = 0; at < entries.length; room = limit) {
    const part = repack(entries.slice(at, at + room));
    const n = Math.min(room, entries.length - at);
    const op: Arg[] = at === 0 && head[0] === 'RM' ? ['RM', String(n), head[2]!, String(part.length)] : ['MS', String(n), String(part.length)];
    add([...op, ...part], n, at === 0);
    at += n;
  }
}

/** The replies of {@link GuildCalls.calls}, one per original op. */
export function joinReplies(plan: GuildCalls, replies: readonly Buffer[][][]): Buffer[][] {
  if (plan.own === undefined) return replies[0] ?? [];
  const out: Buffer[][] = [];
  plan.own.forEach((mine, c) => mine.forEach((original, i) => original && out.push(replies[c]?.[i] ?? [])));
  return out;
}

/** Send one guild's ops (`hint`: the bucket count for a new guild) as calls of bounded cost; resolves with one reply per op. */
export function sendGuildOps(ctx: Ctx, metaKey: string, hint: string, args: Arg[]): Promise<Buffer[][]> {
  const plan = guildCalls(args);
  const scripts = ctx.conn.batched;
  if (plan.own === undefined) return scripts.sakeGuildOpsBuffer(metaKey, [hint, ...args]);
  return Promise.all(plan.calls.map((call) => scripts.sakeGuildOpsBuffer(metaKey, [hint, ...call]))).then((replies) => joinReplies(plan, replies));
}
