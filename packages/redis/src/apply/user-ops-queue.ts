/**
 * A batch's user-bucket ops, queued per bucket until a wave runs them through `sakeUserOps`
 * (scripts/user-ops.lua, run by the topology writer: writers/). Consecutive ops of one kind (and parameter) in a
 * bucket share one group, sent under one header.
 */
import { EntryList } from '../codec/writer.js';
import type { Arg, Ctx } from '../context.js';
import { bucketOf } from '../keys.js';

/** User-bucket op kinds (see scripts/user-ops.lua): runs of the same kind and parameter share one header. */
export type UserOpKind = 'U' | 'UM' | 'u' | 'M+' | 'M-' | 'P+' | 'P-' | 'A+' | 'A-' | 'UX' | 'MX' | 'PX' | 'SWEEP';

/** Items per entry of each kind. */
const USER_OP_WIDTH: Record<UserOpKind, number> = { U: 3, UM: 2, u: 1, 'M+': 1, 'M-': 1, 'P+': 1, 'P-': 1, 'A+': 3, 'A-': 2, UX: 0, MX: 0, PX: 0, SWEEP: 0 };

/** A run of ops of one kind and parameter in a bucket. */
export interface UserGroup {
  kind: UserOpKind;
  param: Arg | undefined;
  items: Arg[];
  /** Packed kinds (U, M±, P±): the entries, sent as one argument. */
  list?: EntryList;
}

/** Serialise a bucket's groups as the script's arguments. */
export function userOpArgs(groups: readonly UserGroup[]): Arg[] {
  const out: Arg[] = [];
  for (const g of groups) {
    out.push(g.kind);
    if (g.param !== undefined) out.push(g.param);
    if (g.list) {
      out.push(String(g.list.n), g.list.bytes());
      continue;
    }
    out.push(String(USER_OP_WIDTH[g.kind] === 0 ? 0 : g.items.length / USER_OP_WIDTH[g.kind]));
    for (const item of g.items) out.push(item);
  }
  return out;
}

/** Whether two group parameters are the same (buffers by content). */
function sameParam(a: Arg | undefined, b: Arg | undefined): boolean {
  return a === b || (Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b));
}

/** The queued user-bucket ops of one batch, by bucket. */
export class UserOps {
  readonly #ctx: Ctx;
  readonly #ops = new Map<number, UserGroup[]>();

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  #groups(bucket: number): UserGroup[] {
    let groups = this.#ops.get(bucket);
    if (!groups) {
      groups = [];
      this.#ops.set(bucket, groups);
    }
    return groups;
  }

  /** Queue a user-bucket op; consecutive ops of one kind (and parameter) share a group. */
  add(userId: string, kind: UserOpKind, param: Arg | undefined, ...items: Arg[]): void {
    this.bucketOp(bucketOf(userId, this.#ctx.userBuckets), kind, param, items);
  }

  /** The packed entry list of a user-bucket op (U, M±, P±) to append to: the bucket's last group when it has the same kind and parameter. */
  list(userId: string, kind: UserOpKind, param: Arg | undefined): EntryList {
    const groups = this.#groups(bucketOf(userId, this.#ctx.userBuckets));
    const last = groups[groups.length - 1];
    if (last?.list && last.kind === kind && sameParam(last.param, param)) return last.list;
    // Sized for a typical batch's share of one bucket: a few records, or a few 8-byte ids.
    const list = new EntryList(kind === 'U' ? 512 : 64);
    groups.push({ kind, param, items: [], list });
    return list;
  }

  /** Queue an op on one bucket (as {@link add}, for ops that are not about one user). */
  bucketOp(bucket: number, kind: UserOpKind, param: Arg | undefined, items: Arg[]): void {
    const groups = this.#groups(bucket);
    const last = groups[groups.length - 1];
    if (last !== undefined && last.kind === kind && sameParam(last.param, param) && USER_OP_WIDTH[kind] > 0) last.items.push(...items);
    else groups.push({ kind, param, items: [...items] });
  }

  /** Buckets with queued ops. */
  get size(): number {
    return this.#ops.size;
  }

  /** The queued ops, leaving the queue empty (ops queued after go out in a later wave). */
  take(): Array<[number, UserGroup[]]> {
    const ops = [...this.#ops];
    this.#ops.clear();
    return ops;
  }

  /** Drop the queued ops (their wave has gone out). */
  clear(): void {
    this.#ops.clear();
  }

  /** Run `ops` (by default the queued ones) through the user scripts. */
  run(ops: Iterable<[number, UserGroup[]]> = this.#ops): Promise<unknown> {
    return this.#ctx.writer.userOps(
      this.#ctx,
      Array.from(ops, ([bucket, groups]) => [bucket, userOpArgs(groups)] as const),
      Date.now(),
    );
  }
}
