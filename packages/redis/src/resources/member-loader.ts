/**
 * Point reads of members on a single node, coalesced per tick: a lone
 * `getMember` is one `sakeReadMember` command; many `getMember` calls issued
 * together (10k concurrent promises) become `sakeReadMembers` calls of up to
 * {@link MAX_PER_CALL} members each, instead of one command (and one
 * reply-parsing round in ioredis) per member. A member's tail hash is its
 * bucket key + `:t` (keys.ts). Each read answers its packed member
 * (scripts/read-member.ts: member and user, tails joined) or null.
 */
import { writeId } from '../codec/ids.js';
import type { Connection } from '../connection.js';
import type { Keys } from '../keys.js';
import { packedLength } from './members.js';

/** One packed member (see `PACKED_MEMBER` in scripts/read-member.ts). */
export type PackedMember = Buffer;

/** Most members one `sakeReadMembers` call reads (bounds the time Redis spends in one call). */
const MAX_PER_CALL = 1000;

interface Request {
  memberKey: string;
  userId: string;
  userBucket: number;
  field: Buffer;
  resolve(pieces: PackedMember | null): void;
  reject(err: unknown): void;
}

/** Coalesces the member reads of one tick (see the module comment). */
export class MemberLoader {
  readonly #conn: Connection;
  readonly #keys: Keys;
  #queue: Request[] = [];

  constructor(conn: Connection, keys: Keys) {
    this.#conn = conn;
    this.#keys = keys;
  }

  /** The stored pieces of a member (`null`: no such member in that bucket). */
  load(memberKey: string, userId: string, userBucket: number, field: Buffer): Promise<PackedMember | null> {
    return new Promise<PackedMember | null>((resolve, reject) => {
      this.#queue.push({ memberKey, userId, userBucket, field, resolve, reject });
      if (this.#queue.length === 1) queueMicrotask(() => this.#flush());
    });
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    if (queue.length === 1) {
      const r = queue[0]!;
      const userKey = this.#keys.users(r.userBucket);
      this.#conn.reads
        .call<PackedMember | null>('sakeReadMemberBuffer', [r.memberKey, `${r.memberKey}:t`, userKey, this.#keys.userTails(r.userBucket), r.field])
        .then(r.resolve, r.reject);
      return;
    }
    for (let start = 0; start < queue.length; start += MAX_PER_CALL) {
      const part = queue.slice(start, start + MAX_PER_CALL);
      const args: Array<string | Buffer> = [this.#keys.prefix];
      for (const r of part) {
        const blob = Buffer.allocUnsafe(12);
        writeId(blob, 0, r.userId);
        blob.writeUInt32BE(r.userBucket, 8);
        args.push(r.memberKey, blob);
      }
      this.#conn.reads.call<Buffer>('sakeReadMembersBuffer', args).then(
        (blob) => {
          // Per member: a found byte, then (when found) its packed member (scripts/read-member.ts).
          let pos = 0;
          for (const r of part) {
            if (pos >= blob.length) {
              r.reject(new Error('sakeReadMembers answered fewer members than asked'));
              continue;
            }
            if (blob[pos++] === 0) {
              r.resolve(null);
              continue;
            }
            const end = pos + packedLength(blob, pos);
            r.resolve(blob.subarray(pos, end));
            pos = end;
          }
        },
        (err: unknown) => {
          for (const r of part) r.reject(err);
        },
      );
    }
  }
}
